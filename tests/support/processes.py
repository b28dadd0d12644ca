"""Real Parley server processes and a private Redis, for scale-out and outage tests.

Everything here drives Parley from the outside, as a deployment would: `parley serve` runs
as its own process (so it can be killed with SIGKILL), on a database of its own, against a
`redis-server` the test owns (so it can be stopped and restarted without disturbing the
shared one), and it is reached over real HTTP and WebSocket connections (`Socket` in
tests/support/wsclient.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from redis import asyncio as aioredis

from tests.support.ports import free_port
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def rss_kib(pid: int) -> int:
    """Resident memory of `pid` (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# --- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """A throwaway redis-server without persistence on a fixed free port.

    It can be stopped and started again on the same port: like a restarted Redis without
    persistence, it then comes back empty.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    @staticmethod
    def available() -> bool:
        return Path(REDIS_SERVER).exists()

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            REDIS_SERVER,
            *("--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no"),
            stdout=asyncio.subprocess.DEVNULL,
        )
        await wait_until(self.answers, within=10, what="redis-server answering", every=0.02)

    async def stop(self, signum: int = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.send_signal(signum)
            await process.wait()

    async def answers(self) -> bool:
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(await client.ping())
        except (aioredis.ConnectionError, aioredis.TimeoutError, OSError):
            return False
        finally:
            await client.aclose()


# --- the database and its organisation ---------------------------------------------------------


@dataclass(frozen=True)
class Agent:
    id: int
    email: str
    password: str


@dataclass
class Deployment:
    """What every server process of one test module shares: database, key, organisation."""

    database_url: str
    secret_key: str
    data_dir: Path
    org_slug: str
    admin: Agent
    agent: Agent

    def environment(self, redis_url: str, **overrides: str) -> dict[str, str]:
        """The process environment for a `parley` command; `overrides` without PARLEY_."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(
            PARLEY_DATABASE_URL=self.database_url,
            PARLEY_REDIS_URL=redis_url,
            PARLEY_SECRET_KEY=self.secret_key,
            PARLEY_DATA_DIR=str(self.data_dir),
            PARLEY_LOG_LEVEL="warning",
            PARLEY_WORKERS="1",
            PARLEY_LOGIN_RATE_PER_IP="100000/minute",
            PARLEY_LOGIN_RATE_PER_ACCOUNT="100000/minute",
            PARLEY_WS_CONNECT_RATE_PER_IP="100000/minute",
        )
        env.update({f"PARLEY_{k}": v for k, v in overrides.items()})
        return env


async def run_cli(env: Mapping[str, str], *args: str) -> str:
    """Run `parley <args>`; its output, or AssertionError with the output if it failed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", *args,
        cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise AssertionError(f"parley {' '.join(args)} exited {process.returncode}:\n{text}")
    return text


def _created_id(output: str) -> int:
    # "created agent x@y in 'slug' (id 3)"
    return int(output.rsplit("(id ", 1)[1].split(")", 1)[0])


async def seed(database_url: str, data_dir: Path) -> Deployment:
    """Migrate `database_url` and create an organisation with an admin and an agent."""
    slug = "scale-" + secrets.token_hex(3)
    password = "correct horse battery staple"
    deployment = Deployment(
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        data_dir=data_dir,
        org_slug=slug,
        admin=Agent(0, "", ""),
        agent=Agent(0, "", ""),
    )
    env = deployment.environment("")
    await run_cli(env, "createorg", "--name", "Scale out", "--slug", slug)
    made = []
    for role, email in (("admin", f"admin@{slug}.test"), ("agent", f"agent@{slug}.test")):
        output = await run_cli(
            env, "createagent", "--org", slug, "--email", email,
            "--name", role.title(), "--password", password, "--role", role,
        )  # fmt: skip
        made.append(Agent(_created_id(output), email, password))
    deployment.admin, deployment.agent = made
    return deployment


# --- the server ------------------------------------------------------------------------------


class ParleyProcess:
    """`parley serve` (one worker) as a child process of the test."""

    def __init__(self, deployment: Deployment, redis_url: str, name: str, **env: str) -> None:
        self.deployment = deployment
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self._env = deployment.environment(redis_url, **env)
        self._log = Path(tempfile.mkstemp(prefix=f"parley-{name}-", suffix=".log")[1])
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"server {self.name} is not running"
        return self.process.pid

    async def start(self, *, within: float = 60.0) -> None:
        command = [
            sys.executable, "-m", "server.cli", "serve", "--no-migrate",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
        ]  # fmt: skip
        with self._log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as client:

            async def ready() -> bool:
                if self.process is None or self.process.returncode is not None:
                    raise AssertionError(f"server {self.name} exited:\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get("/readyz")).status_code == 200
                return False

            try:
                await wait_until(ready, within=within, what=f"server {self.name} ready", every=0.1)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{self.log_tail()}") from None

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to anyone."""
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGKILL)
            await process.wait()

    async def stop(self, grace: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                process.kill()
                await process.wait()

    def log_tail(self, lines: int = 60) -> str:
        text = self._log.read_text(errors="replace") if self._log.exists() else ""
        return f"--- log of server {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])

    def cleanup(self) -> None:
        self._log.unlink(missing_ok=True)

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def login(self, agent: Agent) -> str:
        async with self.client() as client:
            response = await client.post(
                "/api/auth/login",
                json={"email": agent.email, "password": agent.password,
                      "org": self.deployment.org_slug},
            )  # fmt: skip
            assert response.status_code == 200, response.text
            return str(response.json()["token"])
