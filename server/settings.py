"""Every setting Parley reads, from the environment, in one place.

Each setting is a `PARLEY_*` environment variable. `Settings.from_env()` validates all of them
and raises `SettingsError` naming the variable when one is wrong, so a bad deployment fails at
start, not at the first request. Secrets (the secret key, passwords in URLs) are masked in
`repr()` and `describe()`. Without PARLEY_SECRET_KEY a key is generated on first start and kept
in PARLEY_DATA_DIR/secret_key (mode 0600), so every later start, and every worker, reuses it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from limits import parse_many

PREFIX = "PARLEY_"


class SettingsError(ValueError):
    """A setting has a value Parley cannot use; the message names the variable."""


@dataclass(frozen=True, repr=False)
class Settings:
    """Validated configuration. Build it with `Settings.from_env()`."""

    database_url: str
    redis_url: str = ""
    secret_key: str = ""
    data_dir: Path = Path(".parley")
    allowed_origins: tuple[str, ...] = ()
    log_level: str = "info"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 1_048_576
    # Time to receive a request (see docs/operations.md, "Slow clients and proxies").
    request_header_timeout_seconds: int = 10
    request_body_timeout_seconds: int = 30
    request_body_min_bytes_per_second: int = 1024
    token_ttl_hours: int = 24
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed; empty: none.
    trusted_proxies: tuple[str, ...] = ()
    login_rate_per_ip: str = "20/minute"
    login_rate_per_account: str = "5/minute;30/hour"
    # Real time (see docs/realtime.md).
    history_max_events: int = 1000
    history_max_age_seconds: int = 86400
    history_max_bytes_per_channel: int = 1 << 20
    history_max_bytes_total: int = 64 << 20
    presence_ttl_seconds: int = 30
    ws_send_queue: int = 512
    ws_idle_seconds: int = 60
    ws_frames_per_second: int = 20
    ws_connect_rate_per_ip: str = "600/minute"
    visitor_token_ttl_hours: int = 24
    # Live chat abuse limits (see docs/api.md, "Rate limits").
    embed_session_rate_per_ip: str = "60/hour"
    chat_start_rate: str = "6/12hours"
    chat_message_rate: str = "20/10seconds"
    ticket_lookup_rate_per_ip: str = "20/10minutes"
    # Email out (see docs/email.md).
    mail_provider: str = "console"
    mail_from: str = "parley@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: int = 30
    # The largest email /api/webhooks/email takes (attachments included).
    inbound_email_max_bytes: int = 26_214_400
    # Messages one sender may turn into replies or tickets per hour; more are quarantined.
    inbound_email_per_sender_per_hour: int = 30
    # Email in over IMAP (see docs/email.md): how often each mailbox is read, how long one
    # IMAP step may take, and extra CA certificates to trust (PEM; tests: a self-signed one).
    imap_poll_seconds: int = 60
    imap_timeout_seconds: int = 30
    imap_ca_file: str = ""
    # Where people reach this server, for links in emails; default http://localhost:PORT.
    public_url: str = ""
    # How long the tracking link in a customer email opens its ticket (docs/email.md).
    tracking_link_ttl_days: int = 30
    # Outbound webhooks (see docs/webhooks.md).
    webhook_allow_private_targets: bool = False
    webhook_timeout_seconds: int = 10
    webhook_retry_hours: int = 72
    webhook_disable_after_hours: int = 24
    webhook_secret_overlap_hours: int = 24
    # Attachments (see docs/attachments.md): limits, where files are kept, where they are served.
    attachment_max_file_bytes: int = 26_214_400
    attachment_max_request_bytes: int = 52_428_800
    attachment_max_files: int = 10
    attachment_orphan_hours: int = 24
    attachment_link_ttl_seconds: int = 300
    # An origin (https://files.example.com) that serves downloads instead of PUBLIC_URL's.
    attachment_download_origin: str = ""
    attachment_storage: str = "local"
    # Local storage: a directory; default PARLEY_DATA_DIR/attachments.
    attachment_dir: Path = Path(".parley/attachments")
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""

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
            "request_header_timeout_seconds": _int(
                env, "REQUEST_HEADER_TIMEOUT_SECONDS", 10, low=1, high=300
            ),
            "request_body_timeout_seconds": _int(
                env, "REQUEST_BODY_TIMEOUT_SECONDS", 30, low=1, high=3600
            ),
            "request_body_min_bytes_per_second": _int(
                env, "REQUEST_BODY_MIN_BYTES_PER_SECOND", 1024, low=1, high=1 << 30
            ),
            "token_ttl_hours": _int(env, "TOKEN_TTL_HOURS", 24, low=1, high=24 * 365),
            "trusted_proxies": _proxies(_get(env, "TRUSTED_PROXIES", "")),
            "login_rate_per_ip": _rate(env, "LOGIN_RATE_PER_IP", "20/minute"),
            "login_rate_per_account": _rate(env, "LOGIN_RATE_PER_ACCOUNT", "5/minute;30/hour"),
            "history_max_events": _int(env, "HISTORY_MAX_EVENTS", 1000, low=10, high=1_000_000),
            "history_max_age_seconds": _int(
                env, "HISTORY_MAX_AGE_SECONDS", 86400, low=10, high=30 * 86400
            ),
            "history_max_bytes_per_channel": _int(
                env, "HISTORY_MAX_BYTES_PER_CHANNEL", 1 << 20, low=4096, high=1 << 30
            ),
            "history_max_bytes_total": _int(
                env, "HISTORY_MAX_BYTES_TOTAL", 64 << 20, low=65536, high=1 << 40
            ),
            "presence_ttl_seconds": _int(env, "PRESENCE_TTL_SECONDS", 30, low=3, high=3600),
            "ws_send_queue": _int(env, "WS_SEND_QUEUE", 512, low=8, high=100_000),
            "ws_idle_seconds": _int(env, "WS_IDLE_SECONDS", 60, low=5, high=3600),
            "ws_frames_per_second": _int(env, "WS_FRAMES_PER_SECOND", 20, low=1, high=10_000),
            "ws_connect_rate_per_ip": _rate(env, "WS_CONNECT_RATE_PER_IP", "600/minute"),
            "visitor_token_ttl_hours": _int(
                env, "VISITOR_TOKEN_TTL_HOURS", 24, low=1, high=24 * 365
            ),
            "embed_session_rate_per_ip": _rate(env, "EMBED_SESSION_RATE_PER_IP", "60/hour"),
            "chat_start_rate": _rate(env, "CHAT_START_RATE", "6/12hours"),
            "chat_message_rate": _rate(env, "CHAT_MESSAGE_RATE", "20/10seconds"),
            "ticket_lookup_rate_per_ip": _rate(env, "TICKET_LOOKUP_RATE_PER_IP", "20/10minutes"),
            "mail_provider": _choice(env, "MAIL_PROVIDER", "console", MAIL_PROVIDERS),
            "mail_from": _address(env, "MAIL_FROM", "parley@localhost"),
            "smtp_host": _get(env, "SMTP_HOST", "localhost"),
            "smtp_port": _int(env, "SMTP_PORT", 587, low=1, high=65535),
            "smtp_security": _choice(env, "SMTP_SECURITY", "starttls", SMTP_SECURITY),
            "smtp_username": _get(env, "SMTP_USERNAME", ""),
            "smtp_password": _get(env, "SMTP_PASSWORD", ""),
            "smtp_timeout_seconds": _int(env, "SMTP_TIMEOUT_SECONDS", 30, low=1, high=600),
            "inbound_email_max_bytes": _int(
                env, "INBOUND_EMAIL_MAX_BYTES", 26_214_400, low=1024, high=1 << 30
            ),
            "inbound_email_per_sender_per_hour": _int(
                env, "INBOUND_EMAIL_PER_SENDER_PER_HOUR", 30, low=1, high=100_000
            ),
            "imap_poll_seconds": _int(env, "IMAP_POLL_SECONDS", 60, low=1, high=86400),
            "imap_timeout_seconds": _int(env, "IMAP_TIMEOUT_SECONDS", 30, low=1, high=600),
            "imap_ca_file": _file(env, "IMAP_CA_FILE"),
            "webhook_allow_private_targets": _flag(env, "WEBHOOK_ALLOW_PRIVATE_TARGETS"),
            "webhook_timeout_seconds": _int(env, "WEBHOOK_TIMEOUT_SECONDS", 10, low=1, high=60),
            "webhook_retry_hours": _int(env, "WEBHOOK_RETRY_HOURS", 72, low=1, high=24 * 30),
            "webhook_disable_after_hours": _int(
                env, "WEBHOOK_DISABLE_AFTER_HOURS", 24, low=1, high=24 * 30
            ),
            "webhook_secret_overlap_hours": _int(
                env, "WEBHOOK_SECRET_OVERLAP_HOURS", 24, low=0, high=24 * 30
            ),
        }
        values.update(_attachment_settings(env, data_dir))
        values["tracking_link_ttl_days"] = _int(env, "TRACKING_LINK_TTL_DAYS", 30, low=1, high=365)
        values["public_url"] = _public_url(
            _get(env, "PUBLIC_URL", ""), values["host"], values["port"]
        )

        if values["workers"] > 1 and not values["redis_url"]:
            # In-process broadcast reaches only the sockets of the process that published.
            raise _fail("WORKERS", "more than one worker needs PARLEY_REDIS_URL")
        if values["workers"] > 1 and values["database_url"].startswith("sqlite://"):
            # One SQLite file cannot be shared safely, and the outbox relay's cross-process
            # lock is a PostgreSQL advisory lock.
            raise _fail("WORKERS", "more than one worker needs PostgreSQL (PARLEY_DATABASE_URL)")
        if values["history_max_bytes_total"] < values["history_max_bytes_per_channel"]:
            # Else one busy channel could never fill its own budget.
            raise _fail(
                "HISTORY_MAX_BYTES_TOTAL",
                "must be at least PARLEY_HISTORY_MAX_BYTES_PER_CHANNEL",
            )
        values["secret_key"] = _secret_key(env, data_dir)
        return cls(**values)

    def __repr__(self) -> str:
        # Masked like describe(): URLs may carry passwords, and reprs end up in logs.
        shown = ", ".join(f"{name}={value!r}" for name, value in self.describe().items())
        return f"Settings({shown})"

    def describe(self) -> dict[str, str]:
        """Settings as printable strings, with secrets masked (for logs and `parley serve`)."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("secret_key", "smtp_password", "s3_secret_access_key") and value:
                value = "********"
            elif f.name in ("database_url", "redis_url"):
                value = mask_password(str(value))
            shown[f.name] = str(value)
        return shown


def _attachment_settings(env: Mapping[str, str], data_dir: Path) -> dict[str, Any]:
    values: dict[str, Any] = {
        "attachment_max_file_bytes": _int(
            env, "ATTACHMENT_MAX_FILE_BYTES", 26_214_400, low=1024, high=1 << 40
        ),
        "attachment_max_request_bytes": _int(
            env, "ATTACHMENT_MAX_REQUEST_BYTES", 52_428_800, low=1024, high=1 << 40
        ),
        "attachment_max_files": _int(env, "ATTACHMENT_MAX_FILES", 10, low=1, high=100),
        "attachment_orphan_hours": _int(env, "ATTACHMENT_ORPHAN_HOURS", 24, low=1, high=24 * 30),
        # At most 5 minutes: a signed link is a bearer credential for one file.
        "attachment_link_ttl_seconds": _int(
            env, "ATTACHMENT_LINK_TTL_SECONDS", 300, low=10, high=300
        ),
        "attachment_download_origin": _origin(env, "ATTACHMENT_DOWNLOAD_ORIGIN"),
        "attachment_storage": _choice(env, "ATTACHMENT_STORAGE", "local", ATTACHMENT_STORAGES),
        "attachment_dir": Path(_get(env, "ATTACHMENT_DIR", str(data_dir / "attachments")))
        .expanduser()
        .resolve(),
        "s3_bucket": _get(env, "S3_BUCKET", ""),
        "s3_endpoint_url": _get(env, "S3_ENDPOINT_URL", ""),
        "s3_region": _get(env, "S3_REGION", "us-east-1"),
        "s3_access_key_id": _get(env, "S3_ACCESS_KEY_ID", ""),
        "s3_secret_access_key": _get(env, "S3_SECRET_ACCESS_KEY", ""),
        "s3_prefix": _get(env, "S3_PREFIX", "").strip("/"),
    }
    if values["attachment_max_request_bytes"] < values["attachment_max_file_bytes"]:
        raise _fail(
            "ATTACHMENT_MAX_REQUEST_BYTES", "must be at least PARLEY_ATTACHMENT_MAX_FILE_BYTES"
        )
    if values["attachment_storage"] == "s3" and not values["s3_bucket"]:
        raise _fail("S3_BUCKET", "PARLEY_ATTACHMENT_STORAGE=s3 needs a bucket")
    endpoint = values["s3_endpoint_url"]
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise _fail("S3_ENDPOINT_URL", f"expected an http(s):// URL, got {endpoint!r}")
    return values


def _origin(env: Mapping[str, str], name: str) -> str:
    """An origin such as https://files.example.com, or "" when unset."""
    value = _get(env, name, "").rstrip("/").lower()
    if value and (not value.startswith(("http://", "https://")) or value.count("/") != 2):
        raise _fail(name, f"{value!r} is not an origin like https://files.example.com")
    return value


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
MAIL_PROVIDERS = ("console", "smtp")
SMTP_SECURITY = ("starttls", "tls", "none")
ATTACHMENT_STORAGES = ("local", "s3")
MIN_SECRET_KEY_LENGTH = 32
SECRET_KEY_FILE = "secret_key"
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


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off (default off)."""
    value = _get(env, name, "0").lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise _fail(name, f"expected 1/true/yes/on or 0/false/no/off, got {value!r}")
    return value in ("1", "true", "yes", "on")


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


def _file(env: Mapping[str, str], name: str) -> str:
    """A path to a file that exists, or "" when unset."""
    value = _get(env, name, "")
    if value and not Path(value).expanduser().is_file():
        raise _fail(name, f"no such file: {value!r}")
    return str(Path(value).expanduser().resolve()) if value else ""


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
    for item in filter(None, (part.strip().rstrip("/") for part in raw.split(","))):
        if not item.startswith(("http://", "https://")) or item.count("/") != 2:
            raise _fail("ALLOWED_ORIGINS", f"{item!r} is not an origin like https://example.com")
        origins.append(item.lower())
    return tuple(origins)


def _proxies(raw: str) -> tuple[str, ...]:
    """IP addresses or networks (`10.0.0.0/8`), comma-separated; `*` trusts any peer."""
    proxies = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise _fail(
                    "TRUSTED_PROXIES", f"{item!r} is not an IP address or network"
                ) from None
        proxies.append(item)
    return tuple(proxies)


def _address(env: Mapping[str, str], name: str, default: str) -> str:
    value = _get(env, name, default)
    local, _, domain = value.rpartition("@")
    if not local or not domain or any(c.isspace() or c in "<>," for c in value):
        raise _fail(name, f"expected a plain address such as support@example.com, got {value!r}")
    return value


def _public_url(raw: str, host: str, port: int) -> str:
    if not raw:
        # 0.0.0.0 and :: are where the server listens, not an address a browser can open.
        shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1") else host
        return f"http://{shown}:{port}"
    url = raw.rstrip("/")
    scheme, _, rest = url.partition("://")
    if scheme not in ("http", "https") or not rest or any(c.isspace() for c in url):
        raise _fail("PUBLIC_URL", f"expected an http(s):// URL, got {raw!r}")
    return url


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """The given key, else one generated on first run and kept in the data directory."""
    given = _get(env, "SECRET_KEY", "")
    if given:
        if len(given) < MIN_SECRET_KEY_LENGTH:
            raise _fail("SECRET_KEY", f"must be at least {MIN_SECRET_KEY_LENGTH} characters")
        return given
    path = data_dir / SECRET_KEY_FILE
    try:
        if not path.exists():
            _create_secret_key_file(path)
        key = path.read_text().strip()
    except OSError as exc:
        raise _fail("DATA_DIR", f"cannot keep the generated secret key in {path}: {exc}") from None
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise _fail("DATA_DIR", f"{path} holds no usable key; delete it to generate a new one")
    return key


def _create_secret_key_file(path: Path) -> None:
    """Write a new key so that `path` never exists half-written.

    Several processes may start on a fresh data directory at once: the key is written to a
    private temporary file (mode 0600, so other local users cannot read it) and then linked
    into place, which fails for all but the first; the others read the winner's key.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def mask_password(url: str) -> str:
    """`url` with its password, if any, replaced by asterisks (for logs and messages)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:****@{host}" if ":" in creds else url
