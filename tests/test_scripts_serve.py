"""Smoke test of `./scripts/serve`: from an empty directory to a signed-in API call.

The script uses the repository's .venv; by the time tests run, scripts/test has installed it
and left the stamp that lets serve skip reinstalling (and a reinstall would only rewrite the
same editable install).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90  # generous: CI shares two cores with a database and the suite


class Served:
    def __init__(self, workdir: Path, port: int, demo_page_port: int) -> None:
        self.workdir = workdir
        self.base = f"http://127.0.0.1:{port}"
        self.demo_page = f"http://127.0.0.1:{demo_page_port}"
        self.log = workdir / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env |= {"PARLEY_PORT": str(port), "PARLEY_DEMO_PAGE_PORT": str(demo_page_port)}
        with self.log.open("wb") as log:
            # A session of its own, so the whole group (bash, then parley) can be stopped.
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve")],
                cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> httpx.Response:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                response = httpx.get(f"{self.base}/readyz", timeout=2)
                if response.status_code == 200:
                    return response
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        pytest.fail(f"/readyz did not answer 200 within {STARTUP_SECONDS}s:\n{self.output()}")

    def stop(self) -> int:
        """SIGTERM to the group, as Ctrl-C would; the server must exit by itself, cleanly."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path, free_port(), free_port())
    try:
        yield server
    finally:
        server.stop()


def test_serve_starts_a_working_server_in_the_current_directory(served: Served) -> None:
    ready = served.wait_ready()
    assert ready.json()["checks"]["database"] == "ok"

    login = httpx.post(
        f"{served.base}/api/auth/login",
        json={"email": "admin@demo.example.com", "password": "parley-demo"},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    me = httpx.get(
        f"{served.base}/api/me",
        headers={"Authorization": f"Bearer {login.json()['token']}"},
        timeout=10,
    )
    assert me.status_code == 200, me.text
    assert me.json()["organization"]["slug"] == "demo"

    # The data lives where serve was run, not in the repository.
    assert (served.workdir / "parley.db").is_file()
    assert (served.workdir / ".parley" / "secret_key").is_file()

    output = served.output()
    assert "demo login: org demo, email admin@demo.example.com, password parley-demo" in output
    for path in ("/console/", "/api", "/openapi.json", "/healthz", "/widget.js"):
        assert f"{served.base}{path}" in output
    console = httpx.get(f"{served.base}/console/", timeout=10)
    assert console.status_code == 200 and "/console/app.js" in console.text

    # The demo host page: another origin, with the demo's widget embedded and allowed there.
    page = httpx.get(f"{served.demo_page}/", timeout=10)
    assert page.status_code == 200, page.text
    site_key = re.search(r'data-site-key="(pk_[^"]+)"', page.text)
    assert site_key, page.text
    assert f'src="{served.base}/widget.js"' in page.text
    config = httpx.get(
        f"{served.base}/api/embed/config",
        params={"siteKey": site_key.group(1)},
        headers={"Origin": served.demo_page},
        timeout=10,
    )
    assert config.status_code == 200, config.text
    assert config.headers["access-control-allow-origin"] == served.demo_page
    assert f"Demo page (the widget on another origin): {served.demo_page}/" in output

    # uvicorn finishes its shutdown, then re-raises the signal so the exit status tells why.
    assert served.stop() in (0, -signal.SIGTERM), served.output()
    assert "Application shutdown complete" in served.output()
