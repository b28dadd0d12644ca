"""One headless Chromium per session, and the pages a test opens in it, captured on failure.

Registered as a plugin in tests/conftest.py, for the widget's and the console's browser tests:

- `browser`: Debian's Chromium, driven by Playwright's async API on the session event loop
  (which the app, the live server and the widget's host site share). Without Chromium the
  tests skip, unless PARLEY_REQUIRE_BROWSER=1 (CI), where they fail.
- `pages`: opens pages for one test, each in a fresh browser context (another person, another
  device: no storage shared), recording what each says (`PageLog`). If the test fails, each
  context's pages are screenshot and its log saved into `artifacts` (a package's conftest.py
  names its folder): `failed-<test>[-<n>].png` / `.log` for the n-th context (a second tab of
  one: `…-tab<m>.png`); once it passes, the captures of an earlier failing run are removed,
  so the folder describes the last run.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator, Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    async_playwright,
)

ROOT = Path(__file__).resolve().parents[2]

# Debian's real Chromium binary (/usr/bin/chromium is a shell wrapper Playwright cannot drive).
CHROMIUM = os.environ.get("PARLEY_CHROMIUM", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

# How long a test waits for something live to show up: generous, slow CI must not fail tests.
# Also every browser context's default timeout.
LIVE = 10.0
LIVE_MS = LIVE * 1000


def browser_marks() -> list[pytest.MarkDecorator]:
    """The marks of every browser test: it needs the real stack (the suite's embedded pass
    skips it) and Chromium."""
    return [pytest.mark.postgres, pytest.mark.redis, pytest.mark.browser]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is installed."""
    if Path(CHROMIUM).is_file():
        return None
    return (
        f"Chromium not found at {CHROMIUM} (install Debian's `chromium` package, or set "
        "PARLEY_CHROMIUM to the real binary, not the /usr/bin/chromium wrapper)"
    )


def artifacts_dir(folder: str, *, configured: str | None = None) -> Path:
    """A folder for screenshots, made if missing: `<repo>/artifacts/<folder>/`, or with
    `$PARLEY_ARTIFACTS_DIR` set, its subfolder `configured` (default: `folder`; `""`: the
    configured directory itself)."""
    root = os.environ.get("PARLEY_ARTIFACTS_DIR", "").strip()
    if root:
        path = Path(root) / (folder if configured is None else configured)
    else:
        path = ROOT / "artifacts" / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- what a page says ----------------------------------------------------------------------


@dataclass
class PageLog:
    """What a page said while a test ran: console lines, uncaught errors and dialogs."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{exc.name}: {exc.message}"))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        self.console.append(f"[{message.type}] {message.text}")

    async def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        # Dismissed so a stray alert() cannot block the page (and the test) forever.
        with contextlib.suppress(Exception):
            await dialog.dismiss()

    def dump(self) -> str:
        return "\n".join(
            ["console:", *self.console, "page errors:", *self.errors, "dialogs:", *self.dialogs]
        )


# --- the browser and one test's pages -------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so fixtures can tell a failed test and save
    what the page looked like."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    message = chromium_missing()
    if message is not None:
        if os.environ.get("PARLEY_REQUIRE_BROWSER", "").strip() == "1":
            pytest.fail(message + "; PARLEY_REQUIRE_BROWSER=1 makes this an error")
        pytest.skip(message)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


# Records what a new page says into its log: `PageLog.attach` unless `Pages.open` is given
# another (the console also logs failed HTTP answers).
Watch = Callable[[Page, PageLog], None]


class Pages:
    """The browser contexts one test opened (the `pages` fixture)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.opened: list[tuple[BrowserContext, PageLog]] = []

    async def open(self, watch: Watch | None = None) -> tuple[Page, PageLog]:
        """A page in a fresh browser context, and the log of what it says."""
        context = await self.browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(LIVE_MS)
        page = await context.new_page()
        log = PageLog()
        if watch is None:
            log.attach(page)
        else:
            watch(page, log)
        self.opened.append((context, log))
        return page, log

    async def close(self, *, failed: bool, directory: Path, stem: str) -> None:
        """Save the captures of a failed test (removing an earlier run's), then close every
        context."""
        _remove_captures(directory, stem)
        for n, (context, log) in enumerate(self.opened, start=1):
            name = stem if n == 1 else f"{stem}-{n}"
            if failed:
                for m, page in enumerate(context.pages, start=1):
                    png = directory / (f"{name}.png" if m == 1 else f"{name}-tab{m}.png")
                    try:
                        await page.screenshot(path=str(png))
                    except Exception as exc:  # a crashed page must not hide the test's failure
                        log.errors.append(f"(screenshot failed: {exc!r})")
                (directory / f"{name}.log").write_text(log.dump())
            await context.close()


def _remove_captures(directory: Path, stem: str) -> None:
    for path in [directory / f"{stem}.png", directory / f"{stem}.log"]:
        path.unlink(missing_ok=True)
    for path in directory.glob(f"{stem}-*"):
        path.unlink(missing_ok=True)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where a failed browser test's captures go: `artifacts_dir(<the test's package>)`; a
    package's conftest.py overrides it to name its own folder."""
    return artifacts_dir(request.path.parent.name)


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::")[-1])[:120]


@pytest.fixture
async def pages(
    browser: Browser, artifacts: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Pages]:
    """Opens pages for this test, each in a fresh browser context; captured on failure."""
    opened = Pages(browser)
    try:
        yield opened
    finally:
        report = getattr(request.node, "report_call", None)
        failed = report is not None and report.failed
        stem = "failed-" + _slug(request.node.nodeid)
        await opened.close(failed=failed, directory=artifacts, stem=stem)
