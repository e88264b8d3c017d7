"""Verified tokens are remembered, yet an expired or forged one is refused every time."""

from __future__ import annotations

import time

import jwt
import pytest

from batterycarbon.api.tokens import InvalidToken, TokenVerifier, issue_token

KEY = "v" * 40


def test_a_remembered_token_is_refused_once_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(KEY)
    token = issue_token("user:1", KEY, ttl_seconds=60, scopes=("footprint:read",))
    grant = verifier.grant(token)
    assert grant.subject == "user:1" and grant.scopes == {"footprint:read"}
    decoded = []
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decoded.append(a) or {})
    assert verifier.grant(token) == grant and not decoded  # remembered: not decoded again
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken) as refused:
        verifier.grant(token)
    assert isinstance(refused.value.__cause__, jwt.ExpiredSignatureError)  # PACT: TokenExpired


def test_forged_and_expired_tokens_are_never_remembered() -> None:
    verifier = TokenVerifier(KEY)
    forged = issue_token("user:1", "another key " * 4, ttl_seconds=60)
    expired = issue_token("user:1", KEY, ttl_seconds=-10)
    for token in (forged, expired, forged):
        with pytest.raises(InvalidToken):
            verifier.grant(token)
    assert verifier._verified == {}


def test_the_memory_is_bounded() -> None:
    verifier = TokenVerifier(KEY, max_entries=3)
    tokens = [issue_token(f"user:{i}", KEY, ttl_seconds=60) for i in range(7)]
    for token in tokens:
        verifier.grant(token)
        assert len(verifier._verified) <= 3
    assert verifier.grant(tokens[0]).subject == "user:0"  # forgotten, verified again
