"""widget/shared/: the client library of both browser apps. The widget imports it by relative
paths; the agent console loads the same files from /widget/shared/ on Parley's own origin (see
the widget's README). What is checked here, without a browser:

- it stays neutral: its files import only each other, never the widget's app, lib or views,
  and hold no app's endpoints or storage;
- it is in the widget's size budget (test_assets.py counts every file under widget/);
- its event names are event types the server declares;
- the request core, run in Node with a stand-in `fetch`: the widget's 401 policy (a new visitor
  token, one retry) and the console's (sign out, no retry) on the same code, the error shape,
  Retry-After, the query string, and one Idempotency-Key per body.

The console's side (it imports nothing else of the widget) is tests/console/test_imports.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import server.app  # noqa: F401  (every domain registers its event types on import)
from server.events import registry
from tests.widget.test_assets import IMPORT, WIDGET, browser_files
from tests.widget.test_colour import node

SHARED = WIDGET / "shared"


def shared_files() -> list[Path]:
    return sorted(SHARED.glob("*.js"))


def test_the_shared_files_import_only_each_other() -> None:
    assert {p.name for p in shared_files()} >= {"api.js", "dom.js", "events.js", "socket.js"}
    for path in shared_files():
        for target in IMPORT.findall(path.read_text(encoding="utf-8")):
            assert target.startswith("./") and "/" not in target[2:], (
                f"{path.name} imports {target!r}"
            )
            assert (SHARED / target[2:]).is_file(), f"{path.name} imports {target!r}"


def test_the_shared_files_hold_no_apps_endpoints_or_storage() -> None:
    """Which URL to call, where a token is kept and what a 401 means are each app's."""
    for path in shared_files():
        source = path.read_text(encoding="utf-8")
        found = [
            word for word in ("/api/", "/ws", "localStorage", "sessionStorage") if word in source
        ]
        assert not found, f"{path.name} names {found}"


def test_the_shared_files_count_in_the_widgets_budget() -> None:
    """The widget loads them, so they are weighed with it (and the console's copy is the same
    file, so nothing the console loads from the widget escapes the budget)."""
    counted = set(browser_files())
    assert set(shared_files()) <= counted


def test_the_event_names_are_the_servers() -> None:
    declared = set(registry.registered())
    assert declared, "no event types registered"
    named = re.findall(
        r"""^export const [A-Z_]+ = ["']([^"']+)["'];""",
        (SHARED / "events.js").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert named, "shared/events.js names no events"
    assert sorted(set(named) - declared) == []
    assert len(named) == len(set(named))


# Drives createApi with a stand-in fetch that answers from a script and records each request.
SCRIPT = r"""
import { ApiError, createApi, retryKey } from "./api.js";

const seen = [];
let answers = [];
globalThis.fetch = async (url, init) => {
  const { method, headers, credentials } = init;
  seen.push({ url, method, headers, credentials, body: init.body ?? null });
  const next = answers.shift();
  if (next === "offline") throw new TypeError("Failed to fetch");
  const { status, json, text, headers: extra, statusText } = next;
  const body = status === 204 ? null : json !== undefined ? JSON.stringify(json) : text;
  return new Response(body, { status, statusText, headers: extra });
};
const ok = (json) => ({ status: 200, json });
const fail = (status, code, message, more) =>
  ({ status, json: { error: { code, message, ...more } } });
const run = async (script, call) => {
  answers = script;
  seen.length = 0;
  try {
    return { ok: true, value: await call(), seen: [...seen] };
  } catch (e) {
    const error = e instanceof ApiError
      ? { api: true, status: e.status, code: e.code, message: e.message, fields: e.fields,
          retryAfter: e.retryAfter, network: e.network }
      : { api: false, message: String(e) };
    return { ok: false, seen: [...seen], error };
  }
};
const out = {};

// The widget: no token yet → a session first; a 401 → a new one and one retry; no cookies.
let token = null;
let renewals = 0;
const renew = async () => { renewals++; token = `t${renewals}`; };
const widget = createApi({
  base: "https://parley.test",
  credentials: "omit",
  token: async () => token || (await renew(), token),
  unauthorized: () => renew().then(() => true),
});
out.widgetFirst = await run([ok({ ok: 1 })], () => widget("GET", "/api/embed/me"));
out.widgetRenewed = await run([fail(401, "unauthorized", "expired"), ok({ ok: 2 })],
  () => widget("POST", "/api/embed/conversations", { body: { body: "hi" }, idempotencyKey: "k1" }));
out.widgetTwice = await run(
  [fail(401, "unauthorized", "no"), fail(401, "unauthorized", "still no")],
  () => widget("GET", "/api/embed/me"));
const publicQuery = { siteKey: "pk_1", empty: "", none: null };
out.widgetPublic = await run([ok({})],
  () => widget("GET", "/api/embed/config", { query: publicQuery, auth: false }));
out.widgetRenewals = renewals;

// The console: its token as it is; a 401 signs out and is not retried; errors worded its way.
let signedOut = 0;
const consoleApi = createApi({
  token: () => "agent-token",
  statusLine: (res) => `HTTP ${res.status} ${res.statusText}`,
  unauthorized: ({ path, token }) => {
    if (token && path !== "/api/auth/login") signedOut++;
    return false;
  },
});
out.console401 = await run([fail(401, "unauthorized", "gone")], () => consoleApi("GET", "/api/me"));
out.consoleLogin401 = await run([fail(401, "invalid_credentials", "wrong")],
  () => consoleApi("POST", "/api/auth/login", { body: { email: "a@b.c", password: "x" } }));
out.signedOut = signedOut;
const filters = { status: ["open", "pending"], tag: [], page: 2 };
out.consoleQuery = await run([ok({ items: [] })],
  () => consoleApi("GET", "/api/tickets", { query: filters }));
const badGateway = { status: 502, statusText: "Bad Gateway", text: "<html>" };
out.console502 = await run([badGateway], () => consoleApi("GET", "/api/dashboard"));
out.widget502 = await run([badGateway], () => widget("GET", "/api/embed/tickets"));
out.widget422 = await run([fail(422, "validation_error", "Check", { fields: { email: "bad" } })],
  () => widget("POST", "/api/embed/tickets", { body: {} }));
const slow = { ...fail(429, "rate_limited", "slow"), headers: { "Retry-After": "17" } };
out.widget429 = await run([slow], () => widget("GET", "/api/embed/tickets"));
out.widgetOffline = await run(["offline"], () => widget("GET", "/api/embed/tickets"));
out.noContent = await run([{ status: 204 }], () => consoleApi("DELETE", "/api/tickets/TKT-1"));

const key = retryKey();
const a = key.for({ x: 1 }), again = key.for({ x: 1 }), other = key.for({ x: 2 });
key.done();
const fresh = key.for({ x: 2 });
out.keys = { a, again, other, fresh };
console.log(JSON.stringify(out));
"""


def run_api(tmp_path: Path) -> dict[str, Any]:
    # The shared files as they are, in a folder Node reads as ES modules.
    for path in shared_files():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (tmp_path / "check.js").write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [node(), "check.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_one_request_core_serves_both_apps_401_policies(tmp_path: Path) -> None:
    r = run_api(tmp_path)

    first = r["widgetFirst"]
    assert first["ok"] and first["value"] == {"ok": 1}
    [req] = first["seen"]
    assert req["url"] == "https://parley.test/api/embed/me"
    assert req["headers"]["Authorization"] == "Bearer t1"  # a session was made first
    assert req["credentials"] == "omit"

    renewed = r["widgetRenewed"]
    assert renewed["ok"] and renewed["value"] == {"ok": 2}
    sent, retried = renewed["seen"]
    assert sent["headers"]["Authorization"] == "Bearer t1"
    assert retried["headers"]["Authorization"] == "Bearer t2"
    assert sent["body"] == retried["body"] == json.dumps({"body": "hi"}, separators=(",", ":"))
    assert sent["headers"]["Idempotency-Key"] == retried["headers"]["Idempotency-Key"] == "k1"
    assert sent["headers"]["Content-Type"] == "application/json"

    twice = r["widgetTwice"]
    assert not twice["ok"] and len(twice["seen"]) == 2  # one retry, not a loop
    assert twice["error"] == {
        "api": True,
        "status": 401,
        "code": "unauthorized",
        "message": "still no",
        "fields": None,
        "retryAfter": None,
        "network": False,
    }

    public = r["widgetPublic"]
    [req] = public["seen"]
    assert req["url"] == "https://parley.test/api/embed/config?siteKey=pk_1"
    assert "Authorization" not in req["headers"]
    assert r["widgetRenewals"] == 3  # the first session, then one per 401 retried

    gone = r["console401"]
    assert not gone["ok"] and len(gone["seen"]) == 1
    assert gone["error"]["status"] == 401 and gone["error"]["message"] == "gone"
    assert gone["seen"][0]["headers"]["Authorization"] == "Bearer agent-token"
    assert gone["seen"][0]["credentials"] == "same-origin"
    assert gone["seen"][0]["url"] == "/api/me"
    login = r["consoleLogin401"]
    assert not login["ok"] and login["error"]["message"] == "wrong"
    assert r["signedOut"] == 1  # a wrong password is not a lost session

    [req] = r["consoleQuery"]["seen"]
    assert req["url"] == "/api/tickets?status=open%2Cpending&page=2"
    assert req["headers"]["Accept"] == "application/json"

    assert r["console502"]["error"]["message"] == "HTTP 502 Bad Gateway"
    assert r["console502"]["error"]["code"] == "http_502"
    assert r["widget502"]["error"]["message"] == "Bad Gateway"
    assert r["widget422"]["error"]["fields"] == {"email": "bad"}
    assert r["widget422"]["error"]["code"] == "validation_error"
    assert r["widget429"]["error"]["retryAfter"] == 17
    offline = r["widgetOffline"]["error"]
    assert offline["status"] == 0 and offline["network"] and offline["code"] == "network"
    assert r["noContent"] == {"ok": True, "value": None, "seen": r["noContent"]["seen"]}

    keys = r["keys"]
    assert keys["a"] == keys["again"] != keys["other"] != keys["fresh"]
    assert all(re.fullmatch(r"[!-~]{1,255}", k) for k in keys.values())
