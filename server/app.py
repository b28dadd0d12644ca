"""`create_app(settings)`: routes, middleware, error handling and the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise import connections
from tortoise.contrib.starlette import RegisterTortoise

import server.web.ids  # noqa: F401  (registers the `{name:id}` path convertor)
from server.accounts import embed_routes, sessions, visitors
from server.accounts import routes as account_routes
from server.accounts.login_throttle import LoginThrottle
from server.accounts.models import Contact
from server.accounts.principal import Principal
from server.attachments import routes as attachment_routes
from server.attachments.cleanup import TicketFilesCleanup, orphan_sweep_job
from server.attachments.storage import Storage, storage_from_settings
from server.channels.handshake_limit import HandshakeLimiter
from server.channels.hub import Hub
from server.channels.routes import websocket_routes
from server.channels.runtime import start_realtime
from server.chat import embed_routes as chat_embed_routes
from server.chat import routes as chat_routes
from server.chat import routing
from server.chat.limits import ChatLimiter
from server.db import tortoise_config
from server.errors import ErrorCode, NotReady, ParleyError, Unauthenticated, error_body
from server.events import delayed
from server.events.relay import database_is_postgres
from server.events.runtime import Spine, start_spine
from server.events.scheduler import Job, Scheduler
from server.notify import inbound_routes, mailbox_routes
from server.notify.agent_emails import AgentEmails
from server.notify.customer_emails import CustomerEmails
from server.notify.imap import MailboxPoller
from server.notify.mailer import mailer_for
from server.notify.transcript_emails import TranscriptEmails
from server.organization import delivery_routes
from server.organization import routes as organization_routes
from server.push.access import ParleyGate
from server.push.legacy_outbox import LegacyOutboxDrain
from server.push.listener import PushListener
from server.settings import Settings
from server.tickets import embed_routes as ticket_embed_routes
from server.tickets import routes as ticket_routes
from server.tickets import tracking, tracking_routes
from server.tickets.tracking import TrackedTicket
from server.web.console_assets import console_routes
from server.web.cors import EmbedCORSMiddleware, JsonErrorCORSMiddleware
from server.web.endpoints import Api
from server.web.idempotency import REPLAYED_HEADER, IdempotencyStore
from server.web.openapi import build_openapi
from server.web.timeouts import RequestBodyTimeout
from server.web.tracking_assets import tracking_page_routes
from server.web.unhandled import REQUEST_ID_HEADER, UnhandledErrorMiddleware
from server.web.widget_assets import widget_routes
from server.webhooks import delivery as webhook_delivery
from server.webhooks import routes as webhook_routes
from server.webhooks.fanout import WebhookFanout
from server.webhooks.notice import notice_job

log = logging.getLogger("parley")
# A readiness probe must answer even when a dependency hangs instead of refusing.
READY_TIMEOUT_SECONDS = 2.0


@dataclass
class AppState:
    """What request handlers reach through `request.app.state.parley`."""

    settings: Settings
    login_throttle: LoginThrottle
    redis: aioredis.Redis | None = None
    hub: Hub | None = None
    handshake_limiter: HandshakeLimiter | None = None
    chat_limiter: ChatLimiter | None = None
    idempotency: IdempotencyStore | None = None
    storage: Storage | None = None


# Connections to Redis per process for commands (the pub/sub listener has its own). A burst
# of sockets joining or leaving at once waits for a free connection rather than failing
# ("Too many connections"), and Redis is not flooded with thousands of them.
REDIS_MAX_CONNECTIONS = 64
REDIS_POOL_TIMEOUT_SECONDS = 10.0


def redis_client(url: str) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_MAX_CONNECTIONS, timeout=REDIS_POOL_TIMEOUT_SECONDS
    )
    return aioredis.Redis.from_pool(pool)  # the client owns the pool: aclose() closes it


def build_api() -> Api:
    api = Api()
    api.include(account_routes.api)
    api.include(organization_routes.api)
    api.include(delivery_routes.api)
    api.include(inbound_routes.api)
    api.include(mailbox_routes.api)
    api.include(embed_routes.api)
    api.include(ticket_routes.api)
    api.include(chat_routes.api)
    api.include(chat_embed_routes.api)
    api.include(ticket_embed_routes.api)
    api.include(tracking_routes.api)
    api.include(webhook_routes.api)
    api.include(attachment_routes.api)
    return api


def _bearer_token(request: Request, what: str) -> str:
    """The bearer token from the Authorization header (tokens are never read from URLs)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(f"Send `Authorization: Bearer <{what}>`.")
    return token.strip()


async def authenticate(request: Request) -> Principal:
    """The agent or integration behind the request's access token or API key."""
    return await sessions.authenticate_token(_bearer_token(request, "token"))


async def authenticate_visitor(request: Request) -> Contact:
    """The contact behind the request's visitor token."""
    token = _bearer_token(request, "visitor token")
    settings: Settings = request.app.state.parley.settings
    return await visitors.authenticate_visitor(
        token=token,
        secret_key=settings.secret_key,
        ttl=timedelta(hours=settings.visitor_token_ttl_hours),
    )


async def authenticate_tracker(request: Request) -> TrackedTicket:
    """The ticket behind the request's tracking session token (the `/track` page)."""
    token = _bearer_token(request, "tracking session token")
    settings: Settings = request.app.state.parley.settings
    return await tracking.authenticate_tracking_session(token=token, secret_key=settings.secret_key)


async def _parley_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParleyError)
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    if exc.status_code == 404 and message == "Not Found":
        message = f"No route for {request.url.path}."
    return JSONResponse(error_body(exc.status_code, message), exc.status_code, exc.headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up while sending its body (a closed tab, a dropped network): nobody is
    # left to answer and nothing was written, so it is not a server error worth a traceback.
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return JSONResponse(error_body(400, "The client disconnected before the body arrived."), 400)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Only errors of the CORS middlewares get here (`UnhandledErrorMiddleware` answers for the
    # app); Starlette re-raises after it, so the server closes that connection.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = {"error": {"code": str(ErrorCode.INTERNAL), "message": "Internal server error."}}
    return JSONResponse(body, status_code=500)


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _ping_database() -> None:
    await connections.get("default").execute_query("SELECT 1")


async def _probe(check: Callable[[], Awaitable[object]], ok: str) -> str:
    """`ok`, or why `check` failed; a dependency that hangs counts as failed, not as slow."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await check()
    except TimeoutError:
        return f"unavailable: no answer within {READY_TIMEOUT_SECONDS:g}s"
    except Exception as exc:  # any failure means not ready; the reason is reported
        return f"unavailable: {type(exc).__name__}: {exc}"
    return ok


async def _readyz(request: Request) -> Response:
    """503 with the reason when the database or the broadcast backend cannot be used."""
    state: AppState = request.app.state.parley
    checks: dict[str, str] = {"database": await _probe(_ping_database, "ok")}
    redis = state.redis
    if redis is not None:
        checks["broadcast"] = await _probe(redis.ping, "ok (redis)")
        if checks["broadcast"].startswith("ok") and not (state.hub and state.hub.ready):
            # Redis answers, but this process's pub/sub listener is not (yet) back.
            checks["broadcast"] = "unavailable: the Redis listener is reconnecting"
    else:
        checks["broadcast"] = "ok (in-process)"
    failed = {name: why for name, why in checks.items() if not why.startswith("ok")}
    if failed:
        error = NotReady("Not ready: " + "; ".join(f"{k} {v}" for k, v in failed.items()))
        return JSONResponse(
            {**error.to_dict(), "checks": checks}, status_code=503, headers=error.headers
        )
    return JSONResponse({"status": "ready", "checks": checks})


def _jobs(spine: Spine, router: routing.Router, hub: Hub) -> list[Job]:
    """The periodic work of a process, on one scheduler (docs/architecture.md)."""
    second = timedelta(seconds=1)
    return [
        # What a failed or missed `relayed()` left, once a second. Every process sweeps: the
        # relay's own lock lets one relay at a time, so a claimed slot would only add writes.
        Job("outbox-sweep", every=second, run=spine.relay.sweep, scope="process"),
        # Chats of absent agents back to the queue; waiting chats to agents who came online.
        Job("chat-routing", every=timedelta(seconds=routing.TICK_SECONDS), run=router.tick),
        # This process's sockets' presence: every process, for itself.
        Job(
            "presence-upkeep",
            every=timedelta(seconds=hub.presence_upkeep_interval),
            run=hub.presence_upkeep,
            scope="process",
        ),
        # Finished delayed runs are kept a while (so a run scheduled again cannot run twice).
        Job("delayed-prune", every=timedelta(days=1), run=_prune_delayed, grace=timedelta(hours=6)),
    ]


async def _check_storage(storage: Storage) -> None:
    """An S3 bucket that cannot be reached fails the start, not the first upload."""
    check = getattr(storage, "check", None)
    if check is not None:
        await check()


async def _prune_delayed(slot: datetime) -> None:
    await delayed.prune_finished()


def create_app(settings: Settings) -> Starlette:
    """The Parley ASGI app. The database must already be migrated (`parley migrate`)."""
    api = build_api()
    openapi = build_openapi(api.endpoints)
    state = AppState(
        settings=settings,
        login_throttle=LoginThrottle(
            per_ip=settings.login_rate_per_ip,
            per_account=settings.login_rate_per_account,
            redis_url=settings.redis_url,
        ),
        handshake_limiter=HandshakeLimiter(
            per_ip=settings.ws_connect_rate_per_ip, redis_url=settings.redis_url
        ),
        chat_limiter=ChatLimiter(
            sessions_per_ip=settings.embed_session_rate_per_ip,
            starts=settings.chat_start_rate,
            messages=settings.chat_message_rate,
            lookups_per_ip=settings.ticket_lookup_rate_per_ip,
            redis_url=settings.redis_url,
        ),
        idempotency=IdempotencyStore(secret_key=settings.secret_key),
    )

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            storage = state.storage = storage_from_settings(settings)
            await _check_storage(storage)
            if settings.redis_url:
                state.redis = redis_client(settings.redis_url)
            realtime = await start_realtime(settings, state.redis)
            state.hub = realtime.hub
            router = routing.Router(realtime.hub.presence)
            customer_emails = CustomerEmails(
                mailer_for(settings), mail_from=settings.mail_from, secret_key=settings.secret_key,
                public_url=settings.public_url,
                tracking_link_ttl=timedelta(days=settings.tracking_link_ttl_days),
            )  # fmt: skip
            agent_emails = AgentEmails(
                mailer_for(settings), mail_from=settings.mail_from,
                secret_key=settings.secret_key, public_url=settings.public_url,
            )  # fmt: skip
            transcript_emails = TranscriptEmails(
                mailer_for(settings), mail_from=settings.mail_from, secret_key=settings.secret_key
            )
            webhooks = WebhookFanout(retry_window=timedelta(hours=settings.webhook_retry_hours))
            spine = await start_spine(
                [PushListener(realtime.hub.publish)],
                durable=[
                    customer_emails,
                    agent_emails,
                    transcript_emails,
                    webhooks,
                    TicketFilesCleanup(storage),
                ],
                also_drain=[LegacyOutboxDrain(realtime.hub.publish)],
                reactors=[routing.RoutingReactor(router)],
            )
            routing.install(router)
            router.start()
            webhook_sender = webhook_delivery.WebhookSender(
                postgres=database_is_postgres(),
                allow_private=settings.webhook_allow_private_targets,
                timeout=settings.webhook_timeout_seconds,
                disable_after=timedelta(hours=settings.webhook_disable_after_hours),
            )
            webhook_delivery.install(webhook_sender)
            webhook_sender.start()
            webhook_notices = notice_job(
                mailer_for(settings), mail_from=settings.mail_from, public_url=settings.public_url
            )
            # Email in over IMAP: each organisation's mailbox, polled when due (docs/email.md).
            mailboxes = MailboxPoller(settings, storage=storage)
            files_sweep = orphan_sweep_job(
                storage, orphan_age=timedelta(hours=settings.attachment_orphan_hours)
            )
            scheduler = Scheduler(
                [*_jobs(spine, router, realtime.hub), mailboxes.job(), files_sweep],
                delayed=[webhook_notices],
            )
            scheduler.start()
            try:
                yield
            finally:
                await scheduler.stop()
                await mailboxes.stop()
                webhook_delivery.install(None)
                await webhook_sender.stop()
                routing.install(None)
                await router.stop()
                await spine.stop()
                await realtime.stop()
                state.hub = None
                if state.redis is not None:
                    await state.redis.aclose()
                    state.redis = None
                await storage.close()
                state.storage = None

    routes = [
        Route("/healthz", _healthz),
        Route("/readyz", _readyz),
        Route("/openapi.json", openapi_json),
        *api.routes(
            authenticate,
            settings.max_body_bytes,
            authenticate_visitor,
            state.idempotency,
            authenticate_tracker,
        ),
        *websocket_routes(ParleyGate(settings)),
        *widget_routes(),
        *console_routes(),
        *tracking_page_routes(),
    ]
    middleware = [
        # A body sent too slowly ends in 408 (the request head's bound is the server's:
        # `parley serve` runs uvicorn with `server.web.timeouts.HeadTimeoutProtocol`).
        Middleware(
            RequestBodyTimeout,
            timeout_seconds=settings.request_body_timeout_seconds,
            min_bytes_per_second=settings.request_body_min_bytes_per_second,
        ),
        # It answers the widget's paths itself (origins allowed per organisation).
        Middleware(EmbedCORSMiddleware),
        Middleware(
            JsonErrorCORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            # Without this a cross-origin console or widget cannot read how long to wait.
            expose_headers=["Retry-After", REQUEST_ID_HEADER, REPLAYED_HEADER],
            max_age=600,
        ),
        # Inside CORS, so a browser can read its 500 and 503 answers too.
        Middleware(UnhandledErrorMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            ParleyError: _parley_error,
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _unexpected,
        },
    )
    app.state.parley = state
    return app
