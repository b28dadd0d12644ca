"""The `parley` command: serve, migrate, createorg, createagent, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tortoise import Tortoise

from server.db import tortoise_config
from server.errors import ParleyError
from server.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley support server.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="migrate, then serve HTTP and WebSockets")
    serve.add_argument("--host", help="bind address (default PARLEY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PARLEY_PORT or 8000)")
    serve.add_argument("--workers", type=int, help="processes (default PARLEY_WORKERS or 1)")
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

    sub.add_parser("demo", help="seed the demo organisation (idempotent)")
    return parser


async def _with_database(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from server.migrate import upgrade

    await upgrade(settings.database_url)
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


async def _createorg(args: argparse.Namespace) -> None:
    from server.accounts.service import create_organization

    org = await create_organization(
        name=args.name, slug=args.slug, ticket_prefix=args.ticket_prefix
    )
    print(f"created organisation {org.slug!r} (id {org.id})")


async def _createagent(args: argparse.Namespace) -> None:
    from server.accounts.models import Role
    from server.accounts.service import create_agent, get_organization_by_slug

    org = await get_organization_by_slug(slug=args.org)
    agent = await create_agent(
        organization_id=org.id, email=args.email, name=args.name,
        password=args.password, role=Role(args.role),
    )  # fmt: skip
    print(f"created {agent.role} {agent.email} in {org.slug!r} (id {agent.id})")


async def _demo(args: argparse.Namespace) -> None:
    from server.demo import seed_demo

    login = await seed_demo()
    state = "created" if login.created else "already present"
    print(f"demo organisation {login.org_slug!r} {state}")
    print(f"demo login: {login.email} / {login.password}")


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if not args.no_migrate:
        from server.migrate import upgrade

        applied = asyncio.run(upgrade(settings.database_url))
        for name in applied:
            print(f"applied migration {name}")
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    workers = args.workers or settings.workers
    print(f"Parley on http://{host}:{port}  (API docs: http://{host}:{port}/openapi.json)")
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=False,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"parley: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    try:
        if args.command == "serve":
            return _serve(args, settings)
        if args.command == "migrate":
            from server.migrate import upgrade

            applied = asyncio.run(upgrade(settings.database_url))
            print("\n".join(f"applied migration {n}" for n in applied) or "database is up to date")
            return 0
        handlers = {"createorg": _createorg, "createagent": _createagent, "demo": _demo}
        asyncio.run(_with_database(settings, lambda: handlers[args.command](args)))
        return 0
    except ParleyError as exc:
        detail = "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
        print(f"parley: {exc.message}{detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
