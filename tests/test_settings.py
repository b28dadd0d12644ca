"""Every setting's parsing and errors; the generated secret key; docs that list every setting."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from server.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 40


def load(tmp_path: Path, **values: str) -> Settings:
    """Settings from an environment holding only `values` (names without PARLEY_)."""
    env = {"PARLEY_DATA_DIR": str(tmp_path / "data"), "PARLEY_SECRET_KEY": SECRET}
    env.update({f"PARLEY_{name}": value for name, value in values.items()})
    return Settings.from_env(env)


def error_for(tmp_path: Path, **values: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **values)
    return str(caught.value)


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite://{tmp_path / 'parley.db'}"
    assert settings.data_dir == tmp_path / ".parley"
    assert settings.redis_url == "" and not settings.uses_redis
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.log_level == "info"
    assert settings.allowed_origins == ()
    assert settings.max_body_bytes == 1_048_576
    assert settings.request_header_timeout_seconds == 10
    assert settings.request_body_timeout_seconds == 30
    assert settings.request_body_min_bytes_per_second == 1024
    assert settings.token_ttl_hours == 24
    assert settings.login_rate_per_ip == "20/minute"
    assert settings.login_rate_per_account == "5/minute;30/hour"


def test_blank_values_count_as_unset(tmp_path: Path) -> None:
    settings = load(tmp_path, PORT="  ", LOG_LEVEL="", REDIS_URL=" ")
    assert (settings.port, settings.log_level, settings.redis_url) == (8000, "info", "")


@pytest.mark.parametrize(
    ("name", "attribute", "good", "expected", "too_low", "too_high"),
    [
        ("PORT", "port", "9000", 9000, "-1", "65536"),
        ("WORKERS", "workers", "4", 4, "0", "65"),
        ("MAX_BODY_BYTES", "max_body_bytes", "2048", 2048, "1023", str(1 << 31)),
        ("REQUEST_HEADER_TIMEOUT_SECONDS", "request_header_timeout_seconds", "5", 5, "0", "301"),
        ("REQUEST_BODY_TIMEOUT_SECONDS", "request_body_timeout_seconds", "60", 60, "0", "3601"),
        (
            "REQUEST_BODY_MIN_BYTES_PER_SECOND",
            "request_body_min_bytes_per_second",
            "500",
            500,
            "0",
            str(1 << 31),
        ),
        ("TOKEN_TTL_HOURS", "token_ttl_hours", "48", 48, "0", str(24 * 366)),
        ("HISTORY_MAX_EVENTS", "history_max_events", "50", 50, "9", "1000001"),
        ("HISTORY_MAX_AGE_SECONDS", "history_max_age_seconds", "60", 60, "9", str(31 * 86400)),
        (
            "HISTORY_MAX_BYTES_PER_CHANNEL",
            "history_max_bytes_per_channel",
            "8192",
            8192,
            "4095",
            str((1 << 30) + 1),
        ),
        (
            "HISTORY_MAX_BYTES_TOTAL",
            "history_max_bytes_total",
            "2097152",
            2097152,
            "65535",
            str((1 << 40) + 1),
        ),
        ("PRESENCE_TTL_SECONDS", "presence_ttl_seconds", "10", 10, "2", "3601"),
        ("WS_SEND_QUEUE", "ws_send_queue", "64", 64, "7", "100001"),
        ("WS_IDLE_SECONDS", "ws_idle_seconds", "30", 30, "4", "3601"),
        ("WS_FRAMES_PER_SECOND", "ws_frames_per_second", "5", 5, "0", "10001"),
        ("VISITOR_TOKEN_TTL_HOURS", "visitor_token_ttl_hours", "2", 2, "0", str(24 * 366)),
    ],
)
def test_whole_numbers(
    tmp_path: Path,
    name: str,
    attribute: str,
    good: str,
    expected: int,
    too_low: str,
    too_high: str,
) -> None:
    # Several workers need Redis and PostgreSQL.
    redis = {"REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://u@h/db"}
    assert getattr(load(tmp_path, **{name: good}, **redis), attribute) == expected
    for bad, words in [("abc", "whole number"), ("1.5", "whole number"),
                       (too_low, "between"), (too_high, "between")]:  # fmt: skip
        message = error_for(tmp_path, **{name: bad}, **redis)
        assert message.startswith(f"PARLEY_{name}:") and words in message


def test_history_byte_budgets(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.history_max_bytes_per_channel == 1 << 20
    assert settings.history_max_bytes_total == 64 << 20
    both = load(tmp_path, HISTORY_MAX_BYTES_PER_CHANNEL="65536", HISTORY_MAX_BYTES_TOTAL="65536")
    assert both.history_max_bytes_total == both.history_max_bytes_per_channel == 65536
    # A process budget below one channel's would keep a busy channel from ever filling its own.
    message = error_for(tmp_path, HISTORY_MAX_BYTES_TOTAL="524288")
    assert message.startswith("PARLEY_HISTORY_MAX_BYTES_TOTAL:") and "PER_CHANNEL" in message


def test_several_workers_need_redis(tmp_path: Path) -> None:
    assert "PARLEY_REDIS_URL" in error_for(tmp_path, WORKERS="2")
    assert error_for(tmp_path, WORKERS="2").startswith("PARLEY_WORKERS:")
    postgres = "postgres://u@h/db"
    assert (
        load(tmp_path, WORKERS="2", REDIS_URL="redis://r:6379/0", DATABASE_URL=postgres).workers
        == 2
    )


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    message = error_for(tmp_path, WORKERS="2", REDIS_URL="redis://r:6379/0")
    assert message.startswith("PARLEY_WORKERS:") and "PostgreSQL" in message


def test_log_level(tmp_path: Path) -> None:
    assert load(tmp_path, LOG_LEVEL="DEBUG").log_level == "debug"
    assert error_for(tmp_path, LOG_LEVEL="loud").startswith("PARLEY_LOG_LEVEL:")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///var/lib/parley.db", "sqlite:///var/lib/parley.db"),
        ("postgres://u:p@db:5432/parley", "postgres://u:p@db:5432/parley"),
        ("postgresql://u:p@db:5432/parley", "postgres://u:p@db:5432/parley"),
        ("asyncpg://u@db/parley", "asyncpg://u@db/parley"),
    ],
)
def test_database_url(tmp_path: Path, given: str, expected: str) -> None:
    assert load(tmp_path, DATABASE_URL=given).database_url == expected


def test_database_url_rejects_other_databases(tmp_path: Path) -> None:
    message = error_for(tmp_path, DATABASE_URL="mysql://root@db/parley")
    assert message.startswith("PARLEY_DATABASE_URL:")


def test_redis_url(tmp_path: Path) -> None:
    assert load(tmp_path, REDIS_URL="rediss://r:6380/1").uses_redis
    assert error_for(tmp_path, REDIS_URL="http://r:6379").startswith("PARLEY_REDIS_URL:")


def test_allowed_origins(tmp_path: Path) -> None:
    settings = load(tmp_path, ALLOWED_ORIGINS="https://Shop.Example.com, http://localhost:3000/,")
    assert settings.allowed_origins == ("https://shop.example.com", "http://localhost:3000")
    for bad in ("shop.example.com", "https://shop.example.com/path", "ftp://x.example"):
        assert error_for(tmp_path, ALLOWED_ORIGINS=bad).startswith("PARLEY_ALLOWED_ORIGINS:")


def test_trusted_proxies(tmp_path: Path) -> None:
    assert load(tmp_path).trusted_proxies == ()
    settings = load(tmp_path, TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1,::1,")
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1", "::1")
    assert load(tmp_path, TRUSTED_PROXIES="*").trusted_proxies == ("*",)
    for bad in ("proxy.internal", "10.0.0.0/99", "1.2.3"):
        assert error_for(tmp_path, TRUSTED_PROXIES=bad).startswith("PARLEY_TRUSTED_PROXIES:")


@pytest.mark.parametrize(
    "name", ["LOGIN_RATE_PER_IP", "LOGIN_RATE_PER_ACCOUNT", "WS_CONNECT_RATE_PER_IP"]
)
def test_rates(tmp_path: Path, name: str) -> None:
    attribute = name.lower()
    assert getattr(load(tmp_path, **{name: "3/second;10/day"}), attribute) == "3/second;10/day"
    for bad in ("fast", "5/fortnight"):
        assert error_for(tmp_path, **{name: bad}).startswith(f"PARLEY_{name}:")


def test_host(tmp_path: Path) -> None:
    assert load(tmp_path, HOST="0.0.0.0").host == "0.0.0.0"


# --- secrets -------------------------------------------------------------------------------


def test_given_secret_key_is_used_and_never_shown(tmp_path: Path) -> None:
    settings = load(tmp_path, DATABASE_URL="postgres://parley:hunter2@db/parley")
    assert settings.secret_key == SECRET
    for shown in (repr(settings), str(settings.describe())):
        assert SECRET not in shown and "hunter2" not in shown
    assert settings.describe()["database_url"] == "postgres://parley:****@db/parley"
    assert not (tmp_path / "data" / "secret_key").exists()  # a given key is never written


def test_short_secret_key_is_refused(tmp_path: Path) -> None:
    assert error_for(tmp_path, SECRET_KEY="short").startswith("PARLEY_SECRET_KEY:")


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    env = {"PARLEY_DATA_DIR": str(tmp_path / "data")}
    first = Settings.from_env(env)
    path = tmp_path / "data" / "secret_key"
    assert len(first.secret_key) >= 32
    assert path.read_text() == first.secret_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert Settings.from_env(env).secret_key == first.secret_key
    assert first.secret_key not in repr(first) and first.secret_key not in str(first.describe())
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    env = {"PARLEY_DATA_DIR": str(tmp_path / "data")}
    with ThreadPoolExecutor(max_workers=16) as pool:
        keys = set(pool.map(lambda _: Settings.from_env(env).secret_key, range(64)))
    assert len(keys) == 1
    assert keys == {(tmp_path / "data" / "secret_key").read_text()}


def test_unusable_key_file_names_the_data_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text("\n")
    with pytest.raises(SettingsError, match=r"^PARLEY_DATA_DIR: .*delete it"):
        Settings.from_env({"PARLEY_DATA_DIR": str(tmp_path / "data")})


def test_unwritable_data_dir_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(SettingsError, match=r"^PARLEY_DATA_DIR: cannot keep"):
        Settings.from_env({"PARLEY_DATA_DIR": str(tmp_path / "file")})


# --- docs ----------------------------------------------------------------------------------


class _Recorder(dict[str, str]):
    """An environment that records every variable `Settings.from_env` asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def variables_read(tmp_path: Path) -> set[str]:
    env = _Recorder()
    env["PARLEY_DATA_DIR"] = str(tmp_path)
    Settings.from_env(env)
    return env.asked


@pytest.mark.parametrize("doc", ["README.md", "docs/operations.md"])
def test_every_setting_is_documented(tmp_path: Path, doc: str) -> None:
    names = variables_read(tmp_path)
    assert len(names) >= 13, names  # the recorder must see what from_env reads
    text = (ROOT / doc).read_text()
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert not missing, f"{doc} does not document {missing}"


def test_mail_settings(tmp_path: Path) -> None:
    settings = load(
        tmp_path, MAIL_PROVIDER="SMTP", MAIL_FROM="help@acme.example", SMTP_HOST="mail.acme",
        SMTP_PORT="465", SMTP_SECURITY="tls", SMTP_USERNAME="parley", SMTP_PASSWORD="hunter2",
    )  # fmt: skip
    assert (settings.mail_provider, settings.mail_from) == ("smtp", "help@acme.example")
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "mail.acme", 465, "tls",
    )  # fmt: skip
    for shown in (repr(settings), str(settings.describe())):
        assert "hunter2" not in shown
    assert error_for(tmp_path, MAIL_PROVIDER="sendmail").startswith("PARLEY_MAIL_PROVIDER:")
    assert error_for(tmp_path, SMTP_SECURITY="ssl").startswith("PARLEY_SMTP_SECURITY:")
    assert error_for(tmp_path, SMTP_PORT="0").startswith("PARLEY_SMTP_PORT:")
    for bad in ("parley", "Parley <p@x.example>", "a@b, c@d", "@x.example"):
        assert error_for(tmp_path, MAIL_FROM=bad).startswith("PARLEY_MAIL_FROM:")


def test_public_url(tmp_path: Path) -> None:
    assert load(tmp_path).public_url == "http://localhost:8000"
    assert load(tmp_path, HOST="support.lan", PORT="9000").public_url == "http://support.lan:9000"
    given = load(tmp_path, PUBLIC_URL="https://help.example.com/")
    assert given.public_url == "https://help.example.com"
    for bad in ("help.example.com", "ftp://x", "https://", "https://a b"):
        assert error_for(tmp_path, PUBLIC_URL=bad).startswith("PARLEY_PUBLIC_URL:")
