"""Waiting for a condition with a deadline, instead of sleeping for a guess."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def wait_until(
    condition: Callable[[], Any], *, within: float, what: str, every: float = 0.05
) -> float:
    """Poll `condition()` (sync or async) until truthy; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return loop.time() - started
        if loop.time() - started > within:
            raise AssertionError(f"{what}: still not the case after {within:g}s")
        await asyncio.sleep(every)
