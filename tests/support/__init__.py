"""The harness every test package shares (each plugin is listed once in tests/conftest.py):

- `live.py` (plugin): `live_server`, a real uvicorn serving the session's app on a free port,
  and `running()`/`EmbeddedServer` for a test that needs a server of its own;
- `browser.py` (plugin): `browser` (headless Chromium via Playwright), `pages` (fresh browser
  contexts, a screenshot and the console log of each saved when the test fails), `PageLog`;
- `wsclient.py`: the WebSocket test clients (`WS`/`open_ws`/`session`, and `Socket` for
  `parley serve` processes);
- `processes.py`: `parley serve` as a child process, a private Redis, a seeded deployment;
- `ports.py`: `free_port()`, `listening_socket()`; `wait.py`: `wait_until()`; `clock.py`:
  `ManualClock`, a clock a test moves by hand;
- `spine.py` (plugin): the app's relay, parked for a test that drives its own.
"""
