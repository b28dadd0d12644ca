"""`Idempotency-Key`: a retried create returns the first answer instead of creating again.

A client whose connection dropped after the server committed cannot know whether its ticket
or reply was written. On the endpoints declared `idempotent=True` it may send a key of its
choosing; `IdempotencyStore.run` then

1. reserves the key for the caller (a row with no answer yet) before the handler runs, so a
   second request with it, in this process or another, finds the reservation (409
   `idempotency_key_in_use`) instead of creating a second time;
2. runs the handler: a 2xx answer is stored on the row, any error releases the key (a
   refused request changed nothing, so it may be retried, with a corrected body too);
3. answers a later request with the same key and the same body (method, path and raw bytes)
   with the stored answer, marked `Idempotent-Replayed: true`; another body is 409
   `idempotency_key_reused`.

A process that stops between the handler's commit and storing the answer leaves the key
reserved until it expires: whether the first request took effect is unknown, and guessing
"no" would create a duplicate. Keys are scoped per caller (organisation + agent, API key or
contact), kept for `TTL` and swept by the writes themselves (there is no scheduler yet).

Stored answers are encrypted (AES-256-GCM) with a key derived from the server's secret and
the client's key, which is itself stored only as a digest: the answer to `POST
/api/api-keys` holds a live admin key, and the database otherwise keeps only hashes of
credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import Response
from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from server import db
from server.errors import IdempotencyKeyInUse, IdempotencyKeyReused, ValidationFailed

log = logging.getLogger("parley.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Visible ASCII, no spaces: a UUID fits, and so does any key a client library generates.
KEY_PATTERN = rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"
TTL = timedelta(hours=24)
# A reservation older than this belongs to a request that will not finish (its process
# stopped): the 409 then says so and carries no Retry-After, so clients stop polling.
IN_PROGRESS_LEASE = timedelta(seconds=60)
SWEEP_INTERVAL = timedelta(minutes=10)


class IdempotencyRecord(Model):
    """One caller's key: reserved (`status` null) while its request runs, then its answer."""

    id = fields.BigIntField(primary_key=True)
    # `org:<id>:agent:<id>`, `org:<id>:api-key:<id>` or `org:<id>:contact:<id>`.
    scope = fields.CharField(max_length=64)
    key_digest = fields.CharField(max_length=64)  # sha256 of the client's key, hex
    fingerprint = fields.CharField(max_length=64)  # sha256 of method, path and raw body
    status = fields.SmallIntField(null=True)
    media_type = fields.CharField(max_length=100, null=True)
    body = fields.BinaryField(null=True)  # nonce + AES-GCM ciphertext of the answer's body
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("scope", "key_digest"),)


def key_from(request: Request) -> str | None:
    """The request's `Idempotency-Key`, None without one; 422 when it is malformed."""
    values = request.headers.getlist(HEADER)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationFailed(
            "The request is not valid.", fields={HEADER: "Send one Idempotency-Key."}
        )
    key = values[0]
    if not (0 < len(key) <= MAX_KEY_LENGTH and all("!" <= c <= "~" for c in key)):
        raise ValidationFailed(
            "The request is not valid.",
            fields={HEADER: f"1 to {MAX_KEY_LENGTH} visible ASCII characters, no spaces."},
        )
    return key


def fingerprint(request: Request, raw_body: bytes) -> str:
    """What makes two requests "the same": method, path (with query) and the body's bytes."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = hashlib.sha256(f"{request.method} {target}\n".encode())
    digest.update(raw_body)
    return digest.hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class IdempotencyStore:
    """Reserves keys, stores answers and replays them. `clock` is swapped by tests."""

    secret_key: str
    clock: Callable[[], datetime] = _utcnow
    _next_sweep: datetime | None = field(default=None, repr=False)

    async def run(
        self,
        *,
        scope: str,
        key: str,
        fingerprint: str,
        answer: Callable[[], Awaitable[Response]],
    ) -> Response:
        """The stored answer for (`scope`, `key`), or `answer()` run once and stored."""
        key_digest = hashlib.sha256(key.encode()).hexdigest()
        record = await self._reserve(scope, key_digest, fingerprint)
        if record.status is not None:
            return self._replay(record, key)
        try:
            response = await answer()
        except Exception:
            await self._release(record)
            raise
        # Cancelled (BaseException): the key stays reserved, as after a crash.
        body = getattr(response, "body", None)
        if not 200 <= response.status_code < 300 or not isinstance(body, bytes):
            await self._release(record)
            return response
        await self._store(record, key, response, body)
        return response

    async def _reserve(self, scope: str, key_digest: str, fingerprint: str) -> IdempotencyRecord:
        """A new reservation, or the caller's live record with this key (checked)."""
        now = self.clock()
        await self._sweep_if_due(now)
        # Each pass either inserts, finds a live record, or clears an expired or released
        # one; three passes cover a release and an expiry racing this request.
        for _ in range(3):
            try:
                return await IdempotencyRecord.create(
                    scope=scope,
                    key_digest=key_digest,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + TTL,
                )
            except IntegrityError:
                pass
            existing = await IdempotencyRecord.get_or_none(scope=scope, key_digest=key_digest)
            if existing is None:
                continue  # released in between: try again
            if existing.expires_at <= now:
                await IdempotencyRecord.filter(id=existing.id, expires_at__lte=now).delete()
                continue
            if existing.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was used with another request (method, path or "
                    "body); send a new key for a new request."
                )
            if existing.status is None:
                raise self._in_use(existing, now)
            return existing
        raise IdempotencyKeyInUse("This Idempotency-Key is being used; retry.", retry_after=1)

    def _in_use(self, record: IdempotencyRecord, now: datetime) -> IdempotencyKeyInUse:
        if now - record.created_at < IN_PROGRESS_LEASE:
            return IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still running; retry.", retry_after=1
            )
        return IdempotencyKeyInUse(
            "A request with this Idempotency-Key did not finish (the server stopped while "
            "handling it), so whether it took effect is unknown: look the object up, and send "
            "a new key to try again."
        )

    def _replay(self, record: IdempotencyRecord, key: str) -> Response:
        assert record.status is not None
        sealed = bytes(record.body or b"")
        try:
            body = self._cipher(key).decrypt(sealed[:12], sealed[12:], record.scope.encode())
        except (InvalidTag, ValueError):
            # Sealed under another secret key (PARLEY_SECRET_KEY changed since).
            raise IdempotencyKeyReused(
                "The answer stored for this Idempotency-Key can no longer be read (the "
                "server's secret key changed); send a new key."
            ) from None
        return Response(
            body,
            status_code=record.status,
            media_type=record.media_type,
            headers={REPLAYED_HEADER: "true"},
        )

    async def _store(
        self, record: IdempotencyRecord, key: str, response: Response, body: bytes
    ) -> None:
        nonce = os.urandom(12)
        sealed = nonce + self._cipher(key).encrypt(nonce, body, record.scope.encode())
        media_type = response.headers.get("content-type", "application/json")
        try:
            await IdempotencyRecord.filter(id=record.id).update(
                status=response.status_code, media_type=media_type[:100], body=sealed
            )
        except Exception:
            # The write itself succeeded: answer it. Retries find the key reserved (409).
            log.exception("could not store the answer for an idempotency key (%s)", record.scope)

    async def _release(self, record: IdempotencyRecord) -> None:
        try:
            await IdempotencyRecord.filter(id=record.id).delete()
        except Exception as exc:
            # The caller's own error is the one to report; the key stays reserved. An outage
            # is already logged once by the error middleware: no second traceback for it.
            if db.unavailable(exc) is not None:
                log.warning("could not release idempotency key (%s): database away", record.scope)
            else:
                log.exception("could not release an idempotency key (%s)", record.scope)

    async def _sweep_if_due(self, now: datetime) -> None:
        """Delete expired records, at most once per `SWEEP_INTERVAL` per process."""
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_INTERVAL
        deleted = await IdempotencyRecord.filter(expires_at__lte=now).delete()
        if deleted:
            log.info("swept %d expired idempotency keys", deleted)

    def _cipher(self, key: str) -> AESGCM:
        derived = hmac.digest(
            self.secret_key.encode(), b"parley-idempotency\0" + key.encode(), "sha256"
        )
        return AESGCM(derived)
