"""The per-process actor cache: a cached actor lives at most its bound, never past the token."""

from __future__ import annotations

import time

import pytest

from batterycarbon.api.deps import ActorCache


class _Actor:  # the cache stores actors opaquely
    pass


def test_entries_expire_after_the_bound(monkeypatch: pytest.MonkeyPatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    cache = ActorCache(seconds=5)
    actor = _Actor()
    expires = time.time() + 900
    cache.put("user:1", expires, actor)  # type: ignore[arg-type]
    assert cache.get("user:1", expires) is actor
    clock[0] += 4.9
    assert cache.get("user:1", expires) is actor
    clock[0] += 0.2
    assert cache.get("user:1", expires) is None  # reloaded from the database after 5 s


def test_never_past_the_token_and_off_at_zero():
    actor = _Actor()
    soon = time.time() + 0.0  # a token expiring now is never served from the cache
    cache = ActorCache(seconds=5)
    cache.put("user:2", soon, actor)  # type: ignore[arg-type]
    assert cache.get("user:2", soon) is None
    off = ActorCache(seconds=0)
    later = time.time() + 900
    off.put("user:3", later, actor)  # type: ignore[arg-type]
    assert off.get("user:3", later) is None
    assert cache.get("user:1", later) is None  # another subject or token never matches
