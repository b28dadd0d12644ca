"""How much the embedded server grows while one ticket gets many large replies.

    .venv/bin/python bench/history_memory.py [--replies 600] [--reply-bytes 40000]

Every reply is an event on the ticket's channel, the queue's and the customer's, and the
embedded server keeps channel history in its own memory for resuming. Two `parley serve`
processes (embedded: SQLite file, in-process broadcast) get the same replies in the same run:

- `bounded`: the shipped defaults (PARLEY_HISTORY_MAX_BYTES_PER_CHANNEL 1 MiB, _TOTAL 64 MiB);
- `unbounded`: the byte bounds lifted to their maxima, so history is bounded only by count
  (1,000 events per channel) and age, as before the byte bounds existed: the baseline.

Each is read from /proc before the first reply and after the last (RSS growth, server CPU per
reply); the client's CPU per reply is printed too. The ratio is bounded/unbounded growth.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run as a script (`python bench/history_memory.py`) the repository root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    HttpClient,
    ParleyServer,
    cpu_seconds,
    format_table,
    load_average,
    memory_kib,
    run_interruptibly,
    scratch_database,
    seeding,
)

ORG_SLUG = "histmem"
AGENT_EMAIL = "agent@histmem.example"
PASSWORD = "history-memory-bench"
UNBOUNDED = {
    "PARLEY_HISTORY_MAX_BYTES_PER_CHANNEL": str(2**30),
    "PARLEY_HISTORY_MAX_BYTES_TOTAL": str(2**40),
}


class HistoryServer(ParleyServer):
    def __init__(self, *, database_url: str, overrides: dict[str, str]) -> None:
        super().__init__(database_url=database_url)
        self.overrides = overrides

    def _environment(self) -> dict[str, str]:
        env = super()._environment()
        env.update(
            PARLEY_LOGIN_RATE_PER_IP="100000/minute",
            PARLEY_LOGIN_RATE_PER_ACCOUNT="100000/minute",
            **self.overrides,
        )
        return env


@dataclass(frozen=True)
class Figures:
    name: str
    replies: int
    rss_growth_kib: int
    server_cpu_ms_per_reply: float
    client_cpu_ms_per_reply: float


async def prepare_database(url: str) -> None:
    """Migrate, then one organisation and one agent, through the real services."""
    from server.accounts.agents import create_agent
    from server.accounts.models import Role
    from server.accounts.organizations import create_organization

    async with seeding(url):
        org = await create_organization(name="History Co", slug=ORG_SLUG, ticket_prefix="HIS")
        await create_agent(
            organization_id=org.id, email=AGENT_EMAIL, name="History Agent",
            password=PASSWORD, role=Role.ADMIN,
        )  # fmt: skip


async def run_one(name: str, database_url: str, overrides: dict[str, str], args: Any) -> Figures:
    server = HistoryServer(database_url=database_url, overrides=overrides)
    await server.start()
    http = HttpClient(server.base_url, connections=1)
    try:
        login = await http.post(
            "/api/auth/login", {"email": AGENT_EMAIL, "password": PASSWORD, "org": ORG_SLUG}
        )
        if login.status != 200:
            raise RuntimeError(f"login failed: {login.status} {login.body!r}")
        http.headers["authorization"] = f"Bearer {login.json()['token']}"
        created = await http.post(
            "/api/tickets",
            {"subject": f"{name}: a long thread", "requesterEmail": "long@customer.example"},
        )
        if created.status != 201:
            raise RuntimeError(f"ticket create failed: {created.status} {created.body!r}")
        path = f"/api/tickets/{created.json()['ticket']['id']}/responses"
        filler = "x" * args.reply_bytes
        await asyncio.sleep(1.0)  # let start-up settle before reading memory
        rss_before = memory_kib(server.pid)["VmRSS"]
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        for n in range(args.replies):
            reply = await http.post(path, {"content": f"{n} {filler}", "isInternal": False})
            if reply.status != 201:
                raise RuntimeError(f"reply {n} failed: {reply.status} {reply.body!r}")
        server_cpu = cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        rss_after = memory_kib(server.pid)["VmRSS"]
        return Figures(
            name, args.replies, rss_after - rss_before,
            1000 * server_cpu / args.replies, 1000 * client_cpu / args.replies,
        )  # fmt: skip
    finally:
        await http.aclose()
        await server.stop()


async def run(args: Any) -> int:
    print(
        f"Parley history memory benchmark: embedded; {args.replies} replies of"
        f" {args.reply_bytes:,} characters on one ticket; {os.cpu_count()} CPUs,"
        f" load average {load_average()}",
        flush=True,
    )
    results = []
    for name, overrides in (("unbounded", UNBOUNDED), ("bounded", {})):
        async with scratch_database(None, "parley_histmem") as url:
            await prepare_database(url)
            results.append(await run_one(name, url, overrides, args))
    header = ["server", "replies", "RSS growth MiB", "server CPU ms/reply", "client CPU ms/reply"]
    rows = [
        [f.name, f"{f.replies:,}", f"{f.rss_growth_kib / 1024:.1f}",
         f"{f.server_cpu_ms_per_reply:.2f}", f"{f.client_cpu_ms_per_reply:.2f}"]
        for f in results
    ]  # fmt: skip
    print()
    print(format_table(header, rows))
    unbounded, bounded = results
    ratio = bounded.rss_growth_kib / max(unbounded.rss_growth_kib, 1)
    print(
        f"\nbounded/unbounded RSS growth: {ratio:.2f}"
        f" ({bounded.rss_growth_kib / 1024:.1f} vs {unbounded.rss_growth_kib / 1024:.1f} MiB);"
        f" load average after: {load_average()}"
    )
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=600, help="replies on the one ticket")
    parser.add_argument(
        "--reply-bytes", type=int, default=40_000, help="characters per reply (max 50,000)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_interruptibly(lambda: run(args), "servers stopped")


if __name__ == "__main__":
    sys.exit(main())
