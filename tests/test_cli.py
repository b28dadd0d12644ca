"""The `parley` command, run as a real subprocess against a SQLite file in a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Cli:
    """Runs `python -m server.cli` with its own database and data dir."""

    workdir: Path

    @property
    def database_url(self) -> str:
        return f"sqlite://{self.workdir / 'parley.db'}"

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        environment.pop("TEST_DATABASE_URL", None)  # makemigrations must not find a server
        environment |= {
            "PARLEY_DATABASE_URL": self.database_url,
            "PARLEY_DATA_DIR": str(self.workdir / "data"),
        }
        environment |= {f"PARLEY_{k}": v for k, v in env.items()}
        return subprocess.run(
            [sys.executable, "-m", "server.cli", *args],
            cwd=self.workdir,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """One database with organisation `acme` and agent `ann@acme.test`, shared by the module."""
    run = Cli(tmp_path_factory.mktemp("cli"))
    assert run("createorg", "--name", "Acme", "--slug", "acme").returncode == 0
    created = run(
        "createagent", "--org", "acme", "--email", "ann@acme.test", "--name", "Ann",
        "--password", "long-enough-pw", "--role", "admin",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    return run


# --- usage errors: exit 2, usage on stderr, nothing touched --------------------------------


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("launch",), "invalid choice: 'launch'"),
        (("createagent", "--org", "a", "--email", "e@x.test", "--name", "N", "--password",
          "long-enough-pw", "--role", "boss"), "argument --role: invalid choice: 'boss'"),
        (("createorg", "--name", "Acme"), "the following arguments are required: --slug"),
        (("serve", "--port", "abc"), "argument --port: expected a whole number, got 'abc'"),
        (("serve", "--port", "70000"), "argument --port: must be between 0 and 65535"),
        (("serve", "--workers", "0"), "argument --workers: must be between 1 and 64"),
        (("makemigrations",), "one of the arguments --name --check is required"),
        (("makemigrations", "--name", "Add-Field"), "argument --name: 'Add-Field'"),
        (("makemigrations", "--name", "x", "--check"), "not allowed with argument"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_usage(cli: Cli, args: tuple[str, ...], complaint: str) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: parley")
    assert complaint in result.stderr
    assert not (cli.workdir / "parley.db").exists()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "abc"}, "PARLEY_PORT"),
        ({"DATABASE_URL": "mysql://root@db/parley"}, "PARLEY_DATABASE_URL"),
        ({"LOG_LEVEL": "loud"}, "PARLEY_LOG_LEVEL"),
        ({"SECRET_KEY": "short"}, "PARLEY_SECRET_KEY"),
        ({"WORKERS": "3"}, "PARLEY_WORKERS"),
    ],
)
def test_invalid_settings_exit_2_naming_the_variable(
    cli: Cli, env: dict[str, str], variable: str
) -> None:
    result = cli("migrate", **env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"parley: configuration error: {variable}:")
    assert "Traceback" not in result.stderr


def test_several_workers_on_the_command_line_need_redis(cli: Cli) -> None:
    result = cli("serve", "--workers", "2")
    assert result.returncode == 2
    assert "PARLEY_REDIS_URL" in result.stderr


def test_makemigrations_for_postgres_needs_a_server(cli: Cli) -> None:
    result = cli("makemigrations", "--check", "--dialect", "postgres")
    assert result.returncode == 2
    assert "--postgres-url" in result.stderr and "TEST_DATABASE_URL" in result.stderr


# --- commands that work --------------------------------------------------------------------


def test_migrate_applies_once(cli: Cli) -> None:
    first = cli("migrate")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied migration 0_")
    second = cli("migrate")
    assert (second.returncode, second.stdout) == (0, "database is up to date\n")
    assert "INFO" not in second.stderr  # connection chatter stays out of a CLI's output


def test_unusable_database_fails_with_a_message_not_a_hang(cli: Cli) -> None:
    # Tortoise's SQLite client used to keep a lock here and `parley migrate` never returned.
    result = cli("migrate", DATABASE_URL=f"sqlite://{cli.workdir / 'missing' / 'x.db'}")
    assert result.returncode == 1
    assert "parley: Cannot use the database sqlite://" in result.stderr
    assert "unable to open database file" in result.stderr
    assert "Traceback" not in result.stderr


def test_createorg_and_createagent(seeded: Cli) -> None:
    result = seeded("createorg", "--name", "Beta Ltd", "--slug", "beta", "--ticket-prefix", "BT")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("created organisation 'beta' (id ")
    result = seeded(
        "createagent", "--org", "beta", "--email", "Bo@Beta.test", "--name", "Bo",
        "--password", "long-enough-pw",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("created agent bo@beta.test in 'beta' (id ")


def test_duplicate_slug_exits_1_with_a_clear_message(seeded: Cli) -> None:
    result = seeded("createorg", "--name", "Another Acme", "--slug", "acme")
    assert result.returncode == 1
    assert result.stderr == "parley: An organisation with slug 'acme' already exists.\n"


def test_invalid_slug_names_the_field(seeded: Cli) -> None:
    result = seeded("createorg", "--name", "Bad", "--slug", "Not A Slug")
    assert result.returncode == 1
    assert result.stderr.startswith("parley: Invalid organisation.\n  slug: ")


def test_unknown_org_exits_1(seeded: Cli) -> None:
    result = seeded(
        "createagent", "--org", "nope", "--email", "x@nope.test", "--name", "X",
        "--password", "long-enough-pw",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "parley: No organisation with slug 'nope'.\n"


def test_duplicate_agent_exits_1(seeded: Cli) -> None:
    result = seeded(
        "createagent", "--org", "acme", "--email", "ANN@acme.test", "--name", "Ann Again",
        "--password", "long-enough-pw",
    )  # fmt: skip
    assert result.returncode == 1
    assert "already exists" in result.stderr


def test_short_password_exits_1(seeded: Cli) -> None:
    result = seeded(
        "createagent", "--org", "acme", "--email", "cy@acme.test", "--name", "Cy",
        "--password", "short",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("parley: Invalid password.\n  password: At least 8")
