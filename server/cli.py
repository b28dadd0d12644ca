"""The `parley` command: serve, migrate, createorg, createagent, demo, makemigrations.

Exit status: 0 on success, 1 when the command failed (the message says why), 2 for bad
arguments or invalid settings (argparse's convention).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from server.channels.protocol import MAX_FRAME_BYTES
from server.db import DIALECTS, MIGRATIONS_ROOT, throwaway_databases, tortoise_config
from server.errors import ParleyError
from server.settings import Settings, SettingsError, mask_password

MIGRATION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _port(raw: str) -> int:
    return _bounded_int(raw, 0, 65535)


def _workers(raw: str) -> int:
    return _bounded_int(raw, 1, 64)


def _bounded_int(raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
    return value


def _origin(raw: str) -> str:
    from pydantic import TypeAdapter, ValidationError

    from server.accounts.schemas import Origin

    try:
        return TypeAdapter(Origin).validate_python(raw)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not an origin (scheme://host[:port], no path)"
        ) from None


def _migration_name(raw: str) -> str:
    if not MIGRATION_NAME.match(raw):
        raise argparse.ArgumentTypeError(
            f"{raw!r}: use lower-case letters, digits and underscores, starting with a letter"
        )
    return raw


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley support server.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="migrate, then serve HTTP and WebSockets")
    serve.add_argument("--host", help="bind address (default PARLEY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="port (default PARLEY_PORT or 8000)")
    serve.add_argument("--workers", type=_workers, help="processes (default PARLEY_WORKERS or 1)")
    serve.add_argument("--no-migrate", action="store_true", help="skip applying migrations")

    sub.add_parser("migrate", help="apply pending database migrations")

    org = sub.add_parser("createorg", help="create an organisation")
    org.add_argument("--name", required=True)
    org.add_argument("--slug", required=True, help="lower-case letters, digits, hyphens")
    org.add_argument("--ticket-prefix", default="TKT", help="ticket reference prefix")

    agent = sub.add_parser("createagent", help="add an agent to an organisation")
    agent.add_argument("--org", required=True, metavar="SLUG")
    agent.add_argument("--email", required=True)
    agent.add_argument("--name", required=True)
    agent.add_argument("--password", required=True)
    agent.add_argument("--role", choices=["admin", "agent"], default="agent")

    demo = sub.add_parser("demo", help="seed the demo organisation (idempotent)")
    demo.add_argument(
        "--allow-origin", action="append", default=[], type=_origin, metavar="ORIGIN",
        help="also let pages on ORIGIN (e.g. http://127.0.0.1:8001) use the demo's widget",
    )  # fmt: skip

    page = sub.add_parser(
        "demo-page", help="serve a host page with the demo widget embedded (another origin)"
    )
    page.add_argument("--host", default="127.0.0.1", help="bind address (127.0.0.1)")
    page.add_argument("--port", type=_port, default=8001, help="port (8001)")
    page.add_argument("--parley-url", default="http://127.0.0.1:8000", help="where Parley answers")

    make = sub.add_parser(
        "makemigrations",
        help="write a migration for model changes, for every dialect (developers)",
        description="Diff the models against the committed migrations on throwaway databases "
        "and write one new migration per dialect (or, with --check, fail if one is needed).",
    )
    action = make.add_mutually_exclusive_group(required=True)
    action.add_argument("--name", type=_migration_name, help="name of the new migration")
    action.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    make.add_argument("--dialect", choices=[*DIALECTS, "all"], default="all")
    make.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_DATABASE_URL", ""),
        help="a PostgreSQL server to create throwaway databases on (default TEST_DATABASE_URL)",
    )
    make.add_argument("--migrations-root", type=Path, default=MIGRATIONS_ROOT, help="(for tests)")
    return parser


# --- commands that use the database ----------------------------------------------------------


async def _with_database(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from server.migrate import upgrade

    await upgrade(settings.database_url)
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


async def _createorg(args: argparse.Namespace) -> None:
    from server.accounts.organizations import create_organization

    org = await create_organization(
        name=args.name, slug=args.slug, ticket_prefix=args.ticket_prefix
    )
    print(f"created organisation {org.slug!r} (id {org.id})")


async def _createagent(args: argparse.Namespace) -> None:
    from server.accounts.agents import create_agent
    from server.accounts.models import Role
    from server.accounts.organizations import get_organization_by_slug

    org = await get_organization_by_slug(slug=args.org)
    agent = await create_agent(
        organization_id=org.id, email=args.email, name=args.name,
        password=args.password, role=Role(args.role),
    )  # fmt: skip
    print(f"created {agent.role} {agent.email} in {org.slug!r} (id {agent.id})")


async def _demo(args: argparse.Namespace) -> None:
    from server.demo import seed_demo

    login = await seed_demo(allow_origins=args.allow_origin)
    state = "created" if login.created else "already present"
    print(f"demo organisation {login.org_slug!r} {state}")
    print(f"demo login: org {login.org_slug}, email {login.email}, password {login.password}")
    origins = ", ".join(login.origins) or "none besides Parley's own"
    print(f"demo widget: site key {login.site_key}, allowed origins: {origins}")


def _demo_page(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from server.demo import demo_site_key
    from server.demo_page import demo_page_app

    site_key = asyncio.run(_with_database(settings, demo_site_key))
    if site_key is None:
        print("parley: no demo organisation; run `parley demo` first", file=sys.stderr)
        return 1
    url = _browsable(args.host, args.port)
    print(f"Demo page (the widget on another origin): {url}/", flush=True)
    app = demo_page_app(parley_url=args.parley_url, site_key=site_key)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _migrate(settings: Settings) -> int:
    from server.migrate import upgrade

    applied = asyncio.run(upgrade(settings.database_url))
    print("\n".join(f"applied migration {n}" for n in applied) or "database is up to date")
    return 0


def _browsable(host: str, port: int) -> str:
    """A URL a person can open for a bind address (a wildcard bind is reached on loopback)."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from server.web.timeouts import head_timeout_protocol

    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    workers = args.workers or settings.workers
    if workers > 1 and not settings.uses_redis:
        print("parley: --workers above 1 needs PARLEY_REDIS_URL", file=sys.stderr)
        return 2
    if workers > 1 and settings.database_url.startswith("sqlite://"):
        print("parley: --workers above 1 needs PostgreSQL (PARLEY_DATABASE_URL)", file=sys.stderr)
        return 2
    if not args.no_migrate:
        _migrate(settings)
    base = _browsable(host, port)
    broadcast = mask_password(settings.redis_url) if settings.uses_redis else "in-process"
    print(
        f"Parley listening on {host}:{port} ({workers} worker{'s' if workers > 1 else ''})\n"
        f"  Console:  {base}/console/\n"
        f"  API:      {base}/api\n"
        f"  OpenAPI:  {base}/openapi.json\n"
        f"  Health:   {base}/healthz   Ready: {base}/readyz\n"
        f"  Sockets:  {base.replace('http', 'ws', 1)}/ws (agents), /ws/widget (customers)\n"
        f"  Widget:   {base}/widget.js (see docs/widget.md)\n"
        f"  Database: {mask_password(settings.database_url)}\n"
        f"  Broadcast: {broadcast}   Data dir: {settings.data_dir}",
        flush=True,
    )
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        # Client addresses (login rate limits, ticket metadata) come from X-Forwarded-For
        # only when the peer is a proxy named in PARLEY_TRUSTED_PROXIES.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        # A client frame over 64 KiB closes the socket with 1009 before it is buffered whole
        # (the app checks the same limit, for servers other than this one).
        ws_max_size=MAX_FRAME_BYTES,
        # Frames are small JSON; per-message deflate would cost ~45 KiB of zlib state per
        # socket and double the CPU per delivery (measured with bench/fanout.py).
        ws_per_message_deflate=False,
        # Protocol-level pings find dead peers (a half-open TCP connection raises nothing).
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        # uvicorn bounds only the idle time between requests: this protocol also bounds the
        # time to send a request head (the body's bound is the app's, see server/app.py).
        # uvicorn annotates `http` as a Protocol class, but only ever calls it as a factory
        # (`config.http_protocol_class(config=..., ...)`), so a partial works.
        http=head_timeout_protocol(settings.request_header_timeout_seconds),  # type: ignore[arg-type]
    )
    return 0


# --- makemigrations: one subprocess per dialect (see server/migrate.py for why) -------------


def _makemigrations(args: argparse.Namespace) -> int:
    dialects = DIALECTS if args.dialect == "all" else (args.dialect,)
    if "postgres" in dialects and not args.postgres_url:
        print(
            "parley: makemigrations needs a PostgreSQL server for its throwaway databases: "
            "pass --postgres-url postgres://USER@HOST:5432/postgres or set TEST_DATABASE_URL",
            file=sys.stderr,
        )
        return 2
    failed = [d for d in dialects if asyncio.run(_one_dialect(args, d)) != 0]
    if failed:
        print(f"parley: makemigrations failed for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


async def _one_dialect(args: argparse.Namespace, dialect: str) -> int:
    action = ["check"] if args.check else ["make", "--name", args.name]
    try:
        async with throwaway_databases(dialect, count=2, postgres_url=args.postgres_url) as urls:
            command = [
                sys.executable, "-m", "server.migrate", *action,
                "--database-url", urls[0], "--reference-url", urls[1],
                "--root", str(args.migrations_root),
            ]  # fmt: skip
            process = await asyncio.create_subprocess_exec(*command)
            return await process.wait()
    except Exception as exc:  # asyncpg and the OS each raise their own; all end the same way
        where = mask_password(args.postgres_url) if dialect == "postgres" else "a temporary dir"
        print(
            f"parley: cannot make throwaway {dialect} databases on {where}: {exc}", file=sys.stderr
        )
        return 1


# --- entry point -----------------------------------------------------------------------------


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s %(message)s")
    if level != "debug":
        # Tortoise and aerich report every connection close at INFO: noise for a CLI user.
        for name in ("tortoise", "aerich"):
            logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "makemigrations":
        return _makemigrations(args)  # a developer tool: the server settings play no part
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"parley: configuration error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    try:
        if args.command == "serve":
            return _serve(args, settings)
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "demo-page":
            return _demo_page(args, settings)
        handlers = {"createorg": _createorg, "createagent": _createagent, "demo": _demo}
        asyncio.run(_with_database(settings, lambda: handlers[args.command](args)))
        return 0
    except ParleyError as exc:
        detail = "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
        print(f"parley: {exc.message}{detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
