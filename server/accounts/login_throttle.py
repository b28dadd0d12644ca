"""Failed-login throttling per client IP and per account, with the `limits` library.

Only failures are counted, so a person who types their password right is never slowed
down. With Redis configured the counters live there and hold across every server process;
in the embedded mode they live in this process.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from server.errors import NotReady, RateLimited
from server.rate_limits import DEFAULT_KEY_PREFIX, limits_storage


class LoginThrottle:
    def __init__(
        self,
        *,
        per_ip: str,
        per_account: str,
        redis_url: str = "",
        key_prefix: str = DEFAULT_KEY_PREFIX,
    ) -> None:
        """`key_prefix` namespaces the Redis keys (tests use one per test so runs don't mix)."""
        self._limiter = MovingWindowRateLimiter(limits_storage(redis_url, key_prefix))
        self._per_ip: list[RateLimitItem] = parse_many(per_ip)
        self._per_account: list[RateLimitItem] = parse_many(per_account)

    def _keys(self, ip: str, account: str) -> list[tuple[RateLimitItem, str]]:
        return [(item, f"ip:{ip}") for item in self._per_ip] + [
            (item, f"account:{account.lower()}") for item in self._per_account
        ]

    async def check(self, *, ip: str, account: str) -> None:
        """Raise `RateLimited` (with the seconds to wait) if either budget is spent.

        If the counter store (Redis) does not answer, sign-in is refused with 503 rather than
        let unthrottled password guessing through.
        """
        try:
            await self._check(ip=ip, account=account)
        except (RedisError, OSError) as exc:
            raise _store_down(exc) from exc

    async def _check(self, *, ip: str, account: str) -> None:
        limited = False
        wait = 0.0
        for item, key in self._keys(ip, account):
            if not await self._limiter.test(item, "login", key):
                limited = True
                stats = await self._limiter.get_window_stats(item, "login", key)
                wait = max(wait, stats.reset_time - time.time())
        # A window that ends while it is being read still refuses this attempt (at least 1s).
        if limited:
            raise RateLimited(
                "Too many failed sign-in attempts. Try again later.",
                retry_after=math.ceil(wait),
            )

    async def record_failure(self, *, ip: str, account: str) -> None:
        try:
            for item, key in self._keys(ip, account):
                await self._limiter.hit(item, "login", key)
        except (RedisError, OSError) as exc:
            raise _store_down(exc) from exc

    async def reset(self) -> None:
        """Forget every counter (tests and `parley` admin tooling)."""
        if isinstance(self._limiter.storage, MemoryStorage):
            # limits' MemoryStorage.reset() races its own expiry task (a KeyError in that
            # task); a fresh storage forgets everything without touching the old one.
            self._limiter = MovingWindowRateLimiter(MemoryStorage())
        else:
            await self._limiter.storage.reset()


def _store_down(exc: Exception) -> NotReady:
    return NotReady(
        f"Sign-in is unavailable for a moment: the rate-limit store does not answer "
        f"({type(exc).__name__})."
    )
