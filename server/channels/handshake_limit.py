"""Per-IP limit on WebSocket handshakes, with the `limits` library.

Every handshake counts, before authentication, so a client (or a script) that reconnects in a
tight loop is told to wait instead of costing a token lookup each time. With Redis the
counters are shared by every process; embedded, they live in this process.

Unlike sign-in throttling, this fails open: if the counter store does not answer, the
handshake goes on (it still needs a valid token) and a warning is logged, so a Redis blip
does not lock every client out of real time.
"""

from __future__ import annotations

import logging
import time

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from server.rate_limits import DEFAULT_KEY_PREFIX, limits_storage

log = logging.getLogger(__name__)


class HandshakeLimiter:
    def __init__(
        self, *, per_ip: str, redis_url: str = "", key_prefix: str = DEFAULT_KEY_PREFIX
    ) -> None:
        self._limiter = MovingWindowRateLimiter(limits_storage(redis_url, key_prefix))
        self._per_ip: list[RateLimitItem] = parse_many(per_ip)

    async def wait_for(self, ip: str) -> float:
        """Count a handshake from `ip`: 0 when it may proceed, else seconds until it may."""
        try:
            wait = 0.0
            for item in self._per_ip:
                if not await self._limiter.hit(item, "ws-handshake", ip):
                    stats = await self._limiter.get_window_stats(item, "ws-handshake", ip)
                    wait = max(wait, stats.reset_time - time.time(), 1.0)
            return wait
        except (RedisError, OSError):
            log.warning("handshake rate limit store unavailable; letting it through", exc_info=True)
            return 0.0
