"""Every setting Parley reads, from the environment, in one place.

Each setting is a `PARLEY_*` environment variable. `Settings.from_env()` validates all of them
and raises `SettingsError` naming the variable when one is wrong, so a bad deployment fails at
start, not at the first request. Secrets are never part of `repr()`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from limits import parse_many

PREFIX = "PARLEY_"


class SettingsError(ValueError):
    """A setting has a value Parley cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Validated configuration. Build it with `Settings.from_env()`."""

    database_url: str
    redis_url: str = ""
    secret_key: str = field(default="", repr=False)
    data_dir: Path = Path(".parley")
    allowed_origins: tuple[str, ...] = ()
    log_level: str = "info"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 1_048_576
    token_ttl_hours: int = 24
    login_rate_per_ip: str = "20/minute"
    login_rate_per_account: str = "5/minute;30/hour"

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every `PARLEY_*` variable from `env` (default `os.environ`) and validate it."""
        env = os.environ if env is None else env
        data_dir = Path(_get(env, "DATA_DIR", ".parley")).expanduser().resolve()
        values: dict[str, Any] = {
            "database_url": _database_url(_get(env, "DATABASE_URL", "")),
            "redis_url": _redis_url(_get(env, "REDIS_URL", "")),
            "data_dir": data_dir,
            "allowed_origins": _origins(_get(env, "ALLOWED_ORIGINS", "")),
            "log_level": _choice(env, "LOG_LEVEL", "info", LOG_LEVELS),
            "host": _get(env, "HOST", "127.0.0.1"),
            "port": _int(env, "PORT", 8000, low=0, high=65535),
            "workers": _int(env, "WORKERS", 1, low=1, high=64),
            "max_body_bytes": _int(env, "MAX_BODY_BYTES", 1_048_576, low=1024, high=1 << 30),
            "token_ttl_hours": _int(env, "TOKEN_TTL_HOURS", 24, low=1, high=24 * 365),
            "login_rate_per_ip": _rate(env, "LOGIN_RATE_PER_IP", "20/minute"),
            "login_rate_per_account": _rate(env, "LOGIN_RATE_PER_ACCOUNT", "5/minute;30/hour"),
        }
        values["secret_key"] = _secret_key(env, data_dir)
        return cls(**values)

    def describe(self) -> dict[str, str]:
        """Settings as printable strings, with secrets masked (for logs and `parley serve`)."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "secret_key":
                value = "********"
            elif f.name in ("database_url", "redis_url"):
                value = _mask_password(str(value))
            shown[f.name] = str(value)
        return shown


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
_DATABASE_SCHEMES = ("sqlite://", "postgres://", "postgresql://", "asyncpg://")


def _get(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(PREFIX + name)
    return default if value is None or value.strip() == "" else value.strip()


def _fail(name: str, message: str) -> SettingsError:
    return SettingsError(f"{PREFIX}{name}: {message}")


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = _get(env, name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise _fail(name, f"expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise _fail(name, f"must be between {low} and {high}, got {value}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _get(env, name, default).lower()
    if value not in choices:
        raise _fail(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    value = _get(env, name, default)
    try:
        parse_many(value)
    except ValueError:
        raise _fail(name, f"expected a rate such as '5/minute;30/hour', got {value!r}") from None
    return value


def _database_url(raw: str) -> str:
    if raw == "":
        return "sqlite://" + str(Path("parley.db").resolve())
    if not raw.startswith(_DATABASE_SCHEMES):
        raise _fail("DATABASE_URL", "expected a sqlite:// or postgres:// URL")
    if raw.startswith("postgresql://"):
        # Tortoise names the scheme `postgres`; accept the spelling libpq users type.
        raw = "postgres://" + raw.removeprefix("postgresql://")
    return raw


def _redis_url(raw: str) -> str:
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise _fail("REDIS_URL", "expected a redis:// URL, or empty for in-process broadcast")
    return raw


def _origins(raw: str) -> tuple[str, ...]:
    origins = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        if not item.startswith(("http://", "https://")) or item.count("/") != 2:
            raise _fail("ALLOWED_ORIGINS", f"{item!r} is not an origin like https://example.com")
        origins.append(item.rstrip("/").lower())
    return tuple(origins)


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """The given key, else one generated on first run and kept in the data directory."""
    given = _get(env, "SECRET_KEY", "")
    if given:
        if len(given) < 32:
            raise _fail("SECRET_KEY", "must be at least 32 characters")
        return given
    path = data_dir / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # Created 0600 so other local users cannot read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        raise _fail("DATA_DIR", f"cannot keep the generated secret key in {path}: {exc}") from None


def _mask_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:****@{host}" if ":" in creds else url
