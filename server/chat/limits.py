"""Abuse limits of the widget's public surface, with the `limits` library.

- widget sessions (`POST /api/embed/session`) per client address;
- new conversations per contact and per client address (one person with many anonymous
  sessions still hits the address budget);
- tickets from the widget's contact form, with the same budget as new conversations (its
  own counters): the form is the other way to start talking to support;
- messages per contact (whatever tab or socket they come from);
- ticket lookups by reference + email per client address (so references cannot be guessed).

With Redis the counters are shared by every process; embedded, they live in this process.
Over a budget the request gets 429 `rate_limited` with `retryAfter` (seconds) in the body and
a `Retry-After` header, which the widget shows as "please wait N s". Unlike sign-in, these
fail open when the counter store does not answer: a Redis blip must not silence every
customer, and each of these writes still needs a valid visitor token or site key.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from server.errors import RateLimited
from server.rate_limits import DEFAULT_KEY_PREFIX, limits_storage

log = logging.getLogger(__name__)


class ChatLimiter:
    def __init__(
        self,
        *,
        sessions_per_ip: str,
        starts: str,
        messages: str,
        lookups_per_ip: str = "20/10minutes",
        redis_url: str = "",
        key_prefix: str = DEFAULT_KEY_PREFIX,
    ) -> None:
        # A fixed window that starts at the first request (one counter per key), rather than a
        # moving window (one entry per request): these limits see every customer's traffic,
        # and the in-memory store's expiry pass walks moving-window entries with a thread hop
        # per key, which bench/chat.py measured as a third of a widget message's server time.
        # Not the sliding-window counter either: its reset time is an estimate, and
        # `retryAfter` must be the real wait. The price: up to twice a budget can straddle
        # the end of one window and the start of the next.
        self._limiter = FixedWindowRateLimiter(limits_storage(redis_url, key_prefix))
        self._sessions = parse_many(sessions_per_ip)
        self._starts = parse_many(starts)
        self._messages = parse_many(messages)
        self._lookups = parse_many(lookups_per_ip)

    async def session(self, ip: str) -> None:
        await self._hit([(item, "embed-session", f"ip:{ip}") for item in self._sessions],
                        "Too many widget sessions from this address.")  # fmt: skip

    async def start(self, *, organization_id: int, contact_id: int, ip: str) -> None:
        keys = self._start_keys("chat-start", organization_id, contact_id, ip)
        await self._hit(keys, "Too many new conversations; please wait before starting another.")

    async def widget_ticket(self, *, organization_id: int, contact_id: int, ip: str) -> None:
        keys = self._start_keys("widget-ticket", organization_id, contact_id, ip)
        await self._hit(keys, "Too many new tickets; please wait before sending another.")

    def _start_keys(
        self, namespace: str, organization_id: int, contact_id: int, ip: str
    ) -> list[tuple[RateLimitItem, str, str]]:
        """The start budget, per contact and per address (many anonymous sessions of one
        person still share the address's)."""
        per_contact = f"contact:{organization_id}:{contact_id}"
        return [(i, namespace, key) for key in (per_contact, f"ip:{ip}") for i in self._starts]

    async def message(self, *, organization_id: int, contact_id: int) -> None:
        keys = [(i, "chat-message", f"{organization_id}:{contact_id}") for i in self._messages]
        await self._hit(keys, "You are sending messages too fast.")

    async def ticket_lookup(self, ip: str) -> None:
        keys = [(i, "ticket-lookup", f"ip:{ip}") for i in self._lookups]
        await self._hit(keys, "Too many ticket lookups from this address.")

    async def _hit(self, keys: list[tuple[RateLimitItem, str, str]], message: str) -> None:
        """Count one request against every budget; RateLimited if any is spent."""
        try:
            wait = 0.0
            for item, namespace, key in keys:
                if not await self._limiter.hit(item, namespace, key):
                    stats = await self._limiter.get_window_stats(item, namespace, key)
                    wait = max(wait, stats.reset_time - time.time(), 1.0)
        except (RedisError, OSError):
            log.warning("chat rate-limit store unavailable; letting it through", exc_info=True)
            return
        if wait:
            raise RateLimited(f"{message} Try again in {math.ceil(wait)} s.",
                              retry_after=math.ceil(wait))  # fmt: skip
