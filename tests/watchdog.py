"""A test that hangs fails the run at once, with every thread's and asyncio task's stack.

Without it a hang (a lock never released, a future never set) eats CI's whole time limit and
leaves no clue. After PARLEY_TEST_HANG_SECONDS (default 300; the slowest test takes about 100)
a timer thread prints where every thread is and, through the event loop when it still turns,
where every task waits, then ends the process with status 70. pytest-timeout's thread method
does the first half; the asyncio tasks, where this suite's hangs live, are why this is ours.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import threading
from collections.abc import Iterator

import pytest

HANG_SECONDS = float(os.environ.get("PARLEY_TEST_HANG_SECONDS", "300"))
TASKS_WAIT_SECONDS = 5.0
EXIT_STATUS = 70


# The session loop, as `_session_loop` saw it running: pytest-asyncio 1.x makes its runner's
# loop with a loop factory, and `asyncio.Runner` then never sets it as the thread's loop.
_SEEN_LOOPS: list[asyncio.AbstractEventLoop] = []


@pytest.fixture(scope="session", autouse=True)
async def _session_loop() -> None:
    """Notes the session's event loop, so a hang's report can list its tasks."""
    _SEEN_LOOPS.append(asyncio.get_running_loop())


def _running_loops() -> list[asyncio.AbstractEventLoop]:
    """The loop set for this thread, if any: read from the policy's thread-local without
    `get_event_loop()`, which would make a loop when there is none yet."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    loop: asyncio.AbstractEventLoop | None = getattr(local, "_loop", None)
    return [loop] if loop is not None else []


def _awaiting(task: asyncio.Task[object]) -> list[str]:
    """Where `task` waits, outermost first: its coroutine and each one it awaits in turn
    (`Task.print_stack` shows only the outermost frame of a suspended task)."""
    lines = []
    awaited: object = task.get_coro()
    while awaited is not None:
        frame = next(
            (
                getattr(awaited, a)
                for a in ("cr_frame", "gi_frame", "ag_frame")
                if getattr(awaited, a, None)
            ),
            None,
        )
        if frame is not None:
            code = frame.f_code
            lines.append(f"  {code.co_filename}:{frame.f_lineno} in {code.co_name}")
        awaited = next(
            (
                getattr(awaited, a)
                for a in ("cr_await", "gi_yieldfrom", "ag_await")
                if getattr(awaited, a, None)
            ),
            None,
        )
    return lines


def _dump_tasks(loop: asyncio.AbstractEventLoop, printed: threading.Event) -> None:
    """Runs in the loop: every pending task and where it waits."""
    try:
        for task in asyncio.all_tasks(loop):
            print(f"\n--- {task!r}", file=sys.stderr)
            print("\n".join(_awaiting(task)), file=sys.stderr)
    finally:
        printed.set()


def _on_hang(item: pytest.Item, loops: list[asyncio.AbstractEventLoop]) -> None:
    # Out of pytest's capture, or the stacks would go to its temporary file with the process.
    capture = item.config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture(in_=True)
    nodeid = item.nodeid
    print(
        f"\n\n!!! {nodeid} still running after {HANG_SECONDS:.0f}s: a hang. Stacks follow.",
        file=sys.stderr,
        flush=True,
    )
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    # The session loop is known only once its fixture ran: looked up now, not at the start.
    for loop in dict.fromkeys([*_SEEN_LOOPS, *loops]):
        if loop.is_closed():
            continue
        printed = threading.Event()
        try:
            loop.call_soon_threadsafe(_dump_tasks, loop, printed)
        except RuntimeError:  # closed meanwhile
            continue
        if not printed.wait(TASKS_WAIT_SECONDS):
            print(
                "(the event loop does not turn: it is blocked in a thread above)", file=sys.stderr
            )
    sys.stderr.flush()
    sys.stdout.flush()
    os._exit(EXIT_STATUS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    timer = threading.Timer(HANG_SECONDS, _on_hang, args=(item, _running_loops()))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
