"""Password hashing and opaque tokens."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from argon2 import PasswordHasher

from server.accounts import secrets


class CountingHasher:
    """Stands in for the module's PasswordHasher and records each verification."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, hash: str, password: Any) -> bool:
        self.verified.append(hash)
        return self.real.verify(hash, password)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the module performs, by the hash it was checked against."""
    counting = CountingHasher(secrets._hasher)
    monkeypatch.setattr(secrets, "_hasher", counting)
    return counting.verified


def test_password_round_trip() -> None:
    hashed = secrets.hash_password("correct-horse")
    assert hashed.startswith("$argon2id$")
    assert "correct-horse" not in hashed
    assert secrets.verify_password(hashed, "correct-horse")
    assert not secrets.verify_password(hashed, "correct-horsE")


def test_same_password_hashes_differently() -> None:
    assert secrets.hash_password("same-password") != secrets.hash_password("same-password")


def test_missing_hash_never_matches_but_costs_one_verification(verifications: list[str]) -> None:
    assert not secrets.verify_password(None, "anything")
    assert len(verifications) == 1


def test_wrong_password_costs_one_verification(verifications: list[str]) -> None:
    hashed = secrets.hash_password("right-password")
    assert not secrets.verify_password(hashed, "wrong-password")
    assert verifications == [hashed]


def test_corrupt_hash_is_a_mismatch_not_an_error() -> None:
    assert not secrets.verify_password("not-an-argon2-hash", "whatever")
    assert not secrets.verify_password("", "whatever")


def test_tokens_are_prefixed_random_and_long() -> None:
    tokens = {secrets.new_token(secrets.ACCESS_TOKEN_PREFIX) for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert token.startswith("prl_at_")
        # 32 random bytes, url-safe base64 without padding.
        assert len(token) == len("prl_at_") + 43
    assert secrets.new_token(secrets.API_KEY_PREFIX).startswith("prl_ak_")


def test_digest_is_sha256_hex() -> None:
    token = secrets.new_token(secrets.ACCESS_TOKEN_PREFIX)
    assert secrets.token_digest(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(secrets.token_digest(token)) == 64
