"""Password and client-secret hashing with argon2id (argon2-cffi's RFC 9106 defaults)."""

from __future__ import annotations

import secrets

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
#: Verified against when the account does not exist, so that a wrong username takes as long as a
#: wrong password and response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_hash_parameters(parameters: Parameters) -> None:
    """Hash new secrets with other argon2 parameters (tests use ``argon2.profiles.CHEAPEST``);
    existing hashes keep verifying, as each hash records its own parameters."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    """An argon2id hash of ``secret`` with a random salt."""
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored_hash``; ``None`` costs the same and returns False."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate_secret() -> str:
    """A fresh random secret (256 bits, URL-safe) for API clients and generated passwords."""
    return secrets.token_urlsafe(32)
