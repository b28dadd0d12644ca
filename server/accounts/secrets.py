"""Password hashing and opaque tokens.

Passwords use argon2id (argon2-cffi). Access tokens and API keys are 256-bit random strings;
only their SHA-256 is stored, which is enough for values with that much entropy and keeps the
lookup a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ACCESS_TOKEN_PREFIX = "prl_at_"
API_KEY_PREFIX = "prl_ak_"

_hasher = PasswordHasher()
# Verified against when no account matches, so a miss costs as much as a wrong password.
# Made on first use, not at import: one argon2 hash is ~64 MiB and ~0.2 s of start-up.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one argon2 verification."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
        return matched and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
