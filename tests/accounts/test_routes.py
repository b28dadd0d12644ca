"""The accounts REST API over real HTTP: sign-in, sessions, agents and API keys."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from server.accounts import agents
from server.accounts.models import AccessToken, Agent, ApiKey, Role
from tests.accounts.conftest import MakeThrottle
from tests.factories import PASSWORD, Team, bearer_for, make_agent, make_org, unique


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def assert_unauthenticated(response: httpx.Response) -> dict:
    error = assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
    return error


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return await client.post(
        "/api/auth/login", json={"email": email, "password": password, **extra}
    )


@pytest.fixture
async def client_at(app: Starlette) -> AsyncIterator:
    """Clients that appear to come from a given IP address."""
    opened: list[httpx.AsyncClient] = []

    def make(ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        c = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


# --- login ---------------------------------------------------------------------------------


async def test_login_returns_a_working_token(client: httpx.AsyncClient, team: Team) -> None:
    response = await login(client, team.agent.email)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "expiresAt", "agent"}
    assert body["token"].startswith("prl_at_")
    expires = datetime.fromisoformat(body["expiresAt"])
    assert expires > datetime.now(UTC) + timedelta(hours=23)
    assert body["agent"] == {
        "id": team.agent.id,
        "organizationId": team.org.id,
        "email": team.agent.email,
        "name": team.agent.name,
        "role": "agent",
        "isActive": True,
        "chatCapacity": 3,
        "createdAt": body["agent"]["createdAt"],
    }
    me = await client.get("/api/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["agent"]["id"] == team.agent.id


async def test_only_the_tokens_sha256_is_stored(client: httpx.AsyncClient, team: Team) -> None:
    token = (await login(client, team.agent.email)).json()["token"]
    rows = await AccessToken.filter(agent_id=team.agent.id).values()
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert digest in [row["token_hash"] for row in rows]
    assert token not in repr(rows)


async def test_login_ignores_email_case_and_spaces(client: httpx.AsyncClient, team: Team) -> None:
    response = await login(client, f"  {team.agent.email.upper()} ")
    assert response.status_code == 200, response.text


async def test_wrong_password_and_unknown_email_answer_the_same(
    client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.accounts import secrets

    verifications: list[str | None] = []
    real = secrets.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        verifications.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(secrets, "verify_password", counting)
    wrong = await login(client, team.agent.email, "not-the-password")
    wrong_count = len(verifications)
    unknown = await login(client, f"{unique('nobody')}@example.com", "not-the-password")
    assert assert_unauthenticated(wrong) == assert_unauthenticated(unknown)
    # Same cost: one password verification each, whether or not the account exists.
    assert wrong_count == 1
    assert len(verifications) == 2


async def test_deactivated_agent_cannot_log_in(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        f"/api/agents/{team.agent.id}", headers=team.admin_headers, json={"isActive": False}
    )
    assert response.status_code == 200, response.text
    assert_unauthenticated(await login(client, team.agent.email))


async def test_same_email_in_two_orgs_needs_the_org(client: httpx.AsyncClient) -> None:
    email = f"{unique('twice')}@example.com"
    first, second = await make_org(), await make_org()
    await make_agent(first, email=email)
    theirs = await make_agent(second, email=email)
    error = assert_error(await login(client, email), 422, "validation_failed")
    assert set(error["fields"]) == {"org"}
    chosen = await login(client, email, org=second.slug)
    assert chosen.status_code == 200
    assert chosen.json()["agent"]["id"] == theirs.id
    assert_unauthenticated(await login(client, email, org=unique("elsewhere")))


async def test_same_email_two_orgs_one_matching_password_signs_in(
    client: httpx.AsyncClient,
) -> None:
    email = f"{unique('twice')}@example.com"
    await make_agent(await make_org(), email=email)
    second = await make_org()
    theirs = await agents.create_agent(
        organization_id=second.id, email=email, name="Other", password="other-password-1"
    )
    response = await login(client, email, "other-password-1")
    assert response.status_code == 200, response.text
    assert response.json()["agent"]["organizationId"] == second.id
    assert response.json()["agent"]["id"] == theirs.id


async def test_agent_with_a_cli_style_address_can_log_in(client: httpx.AsyncClient) -> None:
    org = await make_org()
    email = f"{unique('ops')}@corp.local"
    await make_agent(org, email=email)
    assert (await login(client, email)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x"}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": ""}, "password"),
        ({"email": "a@example.com", "password": 5}, "password"),
        ({"email": "a@example.com", "password": "x", "org": "NOT A SLUG"}, "org"),
        ({"email": "a@example.com", "password": "x", "remember": True}, "remember"),
    ],
)
async def test_login_body_is_validated(
    client: httpx.AsyncClient, app: Starlette, body: dict, field: str
) -> None:
    error = assert_error(await client.post("/api/auth/login", json=body), 422, "validation_failed")
    assert field in error["fields"]


# --- sessions ------------------------------------------------------------------------------


async def test_logout_revokes_exactly_that_token(client: httpx.AsyncClient, team: Team) -> None:
    one = (await login(client, team.agent.email)).json()["token"]
    two = (await login(client, team.agent.email)).json()["token"]
    response = await client.post("/api/auth/logout", headers=bearer(one))
    assert response.status_code == 204
    assert response.content == b""
    assert_unauthenticated(await client.get("/api/me", headers=bearer(one)))
    assert_unauthenticated(await client.post("/api/auth/logout", headers=bearer(one)))
    assert (await client.get("/api/me", headers=bearer(two))).status_code == 200
    assert (await client.get("/api/me", headers=team.agent_headers)).status_code == 200
    revoked = await AccessToken.get(token_hash=hashlib.sha256(one.encode()).hexdigest())
    assert revoked.revoked_at is not None


async def test_me_for_an_agent(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.get("/api/me", headers=team.admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["via"] == "token"
    assert body["agent"]["id"] == team.admin.id
    assert body["agent"]["role"] == "admin"
    assert body["organization"] == {
        "id": team.org.id,
        "name": team.org.name,
        "slug": team.org.slug,
        "ticketPrefix": team.org.ticket_prefix,
    }


async def test_expired_token_is_refused(client: httpx.AsyncClient, team: Team) -> None:
    headers = await bearer_for(team.agent, ttl=timedelta(seconds=-1))
    error = assert_unauthenticated(await client.get("/api/me", headers=headers))
    assert "expired" in error["message"]


async def test_token_expiry_is_enforced_when_it_passes(
    client: httpx.AsyncClient, team: Team
) -> None:
    headers = await bearer_for(team.agent, ttl=timedelta(hours=1))
    assert (await client.get("/api/me", headers=headers)).status_code == 200
    digest = hashlib.sha256(headers["Authorization"].split()[1].encode()).hexdigest()
    # Time passing, as a cleanup job or a clock would see it: the expiry is now behind us.
    await AccessToken.filter(token_hash=digest).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert_unauthenticated(await client.get("/api/me", headers=headers))


@pytest.mark.parametrize("param", ["token", "access_token", "apiKey", "authorization"])
async def test_tokens_in_the_url_are_never_accepted(
    client: httpx.AsyncClient, team: Team, param: str
) -> None:
    token = team.agent_headers["Authorization"].split()[1]
    assert_unauthenticated(await client.get("/api/me", params={param: token}))
    assert_unauthenticated(await client.get("/api/agents", params={param: token}))


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "prl_at_abc", "Bearer prl_at_unknown"],
)
async def test_missing_or_malformed_authorization(
    client: httpx.AsyncClient, app: Starlette, header: str
) -> None:
    headers = {"Authorization": header} if header else {}
    assert_unauthenticated(await client.get("/api/me", headers=headers))


async def test_deactivating_an_agent_ends_its_sessions(
    client: httpx.AsyncClient, team: Team
) -> None:
    other_session = await bearer_for(team.agent)
    response = await client.patch(
        f"/api/agents/{team.agent.id}", headers=team.admin_headers, json={"isActive": False}
    )
    assert response.status_code == 200
    assert response.json()["agent"]["isActive"] is False
    for headers in (team.agent_headers, other_session):
        assert_unauthenticated(await client.get("/api/me", headers=headers))
    # Reactivating does not bring the old sessions back.
    await client.patch(
        f"/api/agents/{team.agent.id}", headers=team.admin_headers, json={"isActive": True}
    )
    assert_unauthenticated(await client.get("/api/me", headers=team.agent_headers))
    assert (await login(client, team.agent.email)).status_code == 200


async def test_changing_a_password_ends_sessions_and_swaps_the_password(
    client: httpx.AsyncClient, team: Team
) -> None:
    response = await client.patch(
        f"/api/agents/{team.agent.id}",
        headers=team.admin_headers,
        json={"password": "a-new-long-password"},
    )
    assert response.status_code == 200, response.text
    assert_unauthenticated(await client.get("/api/me", headers=team.agent_headers))
    assert_unauthenticated(await login(client, team.agent.email))
    assert (await login(client, team.agent.email, "a-new-long-password")).status_code == 200
    assert (await client.get("/api/me", headers=team.admin_headers)).status_code == 200


# --- rate limiting -------------------------------------------------------------------------


async def test_failed_logins_per_account_are_limited(
    client_at, install_throttle: MakeThrottle, team: Team
) -> None:
    install_throttle(per_ip="1000/minute", per_account="3/minute")
    for n in range(3):
        # Each attempt from a new address: only the account budget is being spent.
        assert_unauthenticated(await login(client_at(f"10.2.0.{n}"), team.agent.email, "wrong"))
    limited = await login(client_at("10.2.0.9"), team.agent.email, "wrong")
    error = assert_error(limited, 429, "rate_limited")
    assert "fields" not in error
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # While limited, even the right password is refused: the throttle is checked first.
    assert_error(await login(client_at("10.2.0.9"), team.agent.email), 429, "rate_limited")
    # Other accounts, from the same address, are not affected.
    assert (await login(client_at("10.2.0.9"), team.admin.email)).status_code == 200


async def test_failed_logins_per_ip_are_limited(
    client_at, install_throttle: MakeThrottle, team: Team
) -> None:
    install_throttle(per_ip="3/minute", per_account="1000/minute")
    noisy = client_at("10.3.0.1")
    for _ in range(3):
        assert_unauthenticated(await login(noisy, f"{unique('guess')}@example.com", "wrong"))
    limited = await login(noisy, team.agent.email)
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert (await login(client_at("10.3.0.2"), team.agent.email)).status_code == 200


async def test_successful_logins_are_not_counted(
    client: httpx.AsyncClient, install_throttle: MakeThrottle, team: Team
) -> None:
    install_throttle(per_ip="2/minute", per_account="2/minute")
    for _ in range(5):
        assert (await login(client, team.agent.email)).status_code == 200
    for _ in range(2):
        assert_unauthenticated(await login(client, team.agent.email, "wrong"))
    assert_error(await login(client, team.agent.email, "wrong"), 429, "rate_limited")


async def test_the_app_throttle_is_restored(app: Starlette, install_throttle: MakeThrottle):
    original = app.state.parley.login_throttle
    installed = install_throttle(per_ip="1/minute")
    assert app.state.parley.login_throttle is installed is not original


# --- agents --------------------------------------------------------------------------------


async def test_list_agents_envelope_and_membership(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    response = await client.get("/api/agents", headers=team.agent_headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "total", "totalExact", "page", "pageSize"}
    assert (body["total"], body["page"], body["pageSize"]) == (2, 1, 50)
    assert {a["id"] for a in body["items"]} == {team.admin.id, team.agent.id}
    assert all("passwordHash" not in a and "password_hash" not in a for a in body["items"])


async def test_list_agents_pages_and_inactive(client: httpx.AsyncClient, team: Team) -> None:
    quiet = await make_agent(team.org, name="Quinn Quiet")
    for name in ("Carol", "Dave"):
        await make_agent(team.org, name=name)
    await agents.update_agent(principal=team.admin_principal, agent_id=quiet.id, is_active=False)
    page = await client.get(
        "/api/agents", headers=team.agent_headers, params={"page": 2, "pageSize": 2}
    )
    body = page.json()
    assert (body["total"], body["page"], body["pageSize"]) == (4, 2, 2)
    assert [a["name"] for a in body["items"]] == ["Carol", "Dave"]
    everyone = await client.get(
        "/api/agents", headers=team.agent_headers, params={"includeInactive": "true"}
    )
    assert everyone.json()["total"] == 5
    assert quiet.id in [a["id"] for a in everyone.json()["items"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1" + "0" * 21}, "page"),
        ({"pageSize": 201}, "pageSize"),
        ({"includeInactive": "perhaps"}, "includeInactive"),
        ({"sort": "name"}, "sort"),
    ],
)
async def test_list_agents_query_is_validated(
    client: httpx.AsyncClient, team: Team, params: dict, field: str
) -> None:
    response = await client.get("/api/agents", headers=team.agent_headers, params=params)
    assert field in assert_error(response, 422, "validation_failed")["fields"]


async def test_admin_adds_an_agent_who_can_log_in(client: httpx.AsyncClient, team: Team) -> None:
    email = f"{unique('new')}@Example.com"
    response = await client.post(
        "/api/agents",
        headers=team.admin_headers,
        json={"email": email, "name": "Nina New", "password": "nina-password", "role": "admin"},
    )
    assert response.status_code == 201, response.text
    agent = response.json()["agent"]
    assert (agent["email"], agent["role"], agent["organizationId"]) == (
        email.lower(),
        "admin",
        team.org.id,
    )
    assert (await login(client, email, "nina-password")).status_code == 200


async def test_adding_an_agent_is_for_admins(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.post(
        "/api/agents",
        headers=team.agent_headers,
        json={"email": f"{unique('x')}@example.com", "name": "X", "password": "long-enough"},
    )
    assert_error(response, 403, "forbidden")
    assert await Agent.filter(organization_id=team.org.id).count() == 2


async def test_duplicate_agent_email_conflicts(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.post(
        "/api/agents",
        headers=team.admin_headers,
        json={"email": team.agent.email.upper(), "name": "Twin", "password": "long-enough"},
    )
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"role": "owner"}, "role"),
        ({"name": ""}, "name"),
        ({"isAdmin": True}, "isAdmin"),
    ],
)
async def test_new_agent_is_validated(
    client: httpx.AsyncClient, team: Team, change: dict, field: str
) -> None:
    body = {"email": f"{unique('v')}@example.com", "name": "Val", "password": "long-enough"}
    response = await client.post("/api/agents", headers=team.admin_headers, json={**body, **change})
    assert field in assert_error(response, 422, "validation_failed")["fields"]


async def test_admin_changes_an_agent(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        f"/api/agents/{team.agent.id}",
        headers=team.admin_headers,
        json={"name": "Robert", "role": "admin"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["agent"]["name"], response.json()["agent"]["role"]) == (
        "Robert",
        "admin",
    )
    stored = await Agent.get(id=team.agent.id)
    assert (stored.name, stored.role) == ("Robert", Role.ADMIN)


async def test_changing_agents_is_for_admins(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        f"/api/agents/{team.agent.id}", headers=team.agent_headers, json={"role": "admin"}
    )
    assert_error(response, 403, "forbidden")
    assert (await Agent.get(id=team.agent.id)).role is Role.AGENT


@pytest.mark.parametrize("change", [{"role": "agent"}, {"isActive": False}])
async def test_last_active_admin_stays(client: httpx.AsyncClient, team: Team, change: dict):
    response = await client.patch(
        f"/api/agents/{team.admin.id}", headers=team.admin_headers, json=change
    )
    assert_error(response, 409, "conflict")
    stored = await Agent.get(id=team.admin.id)
    assert (stored.role, stored.is_active) == (Role.ADMIN, True)


@pytest.mark.parametrize("agent_id", ["2147483647", "2147483648", "99999999999", "9" * 25])
async def test_unknown_agent_ids_are_404(client: httpx.AsyncClient, team: Team, agent_id: str):
    response = await client.patch(
        f"/api/agents/{agent_id}", headers=team.admin_headers, json={"name": "X"}
    )
    assert_error(response, 404, "not_found")


async def test_weak_new_password_is_refused(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        f"/api/agents/{team.agent.id}", headers=team.admin_headers, json={"password": "short"}
    )
    assert "password" in assert_error(response, 422, "validation_failed")["fields"]
    assert (await client.get("/api/me", headers=team.agent_headers)).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"chatCapacity": False},
        {"chatCapacity": True},
        {"chatCapacity": "5"},
        {"chatCapacity": 2.5},
        {"isActive": 0},
        {"isActive": "yes"},
        {"isActive": "false"},
    ],
)
async def test_agent_changes_take_json_types_only(
    client: httpx.AsyncClient, team: Team, change: dict
) -> None:
    """`false` used to be taken as capacity 0 and `"yes"` as true: the schema says integer
    and boolean, and the body is JSON."""
    response = await client.patch(
        f"/api/agents/{team.agent.id}", headers=team.admin_headers, json=change
    )
    assert set(assert_error(response, 422, "validation_failed")["fields"]) == set(change)
    stored = await Agent.get(id=team.agent.id)
    assert (stored.chat_capacity, stored.is_active) == (3, True)


async def test_login_email_fits_once_lower_cased(client: httpx.AsyncClient) -> None:
    """`str.lower` made `İ` two characters: 200 of them passed the 254 check, then the lookup
    of a 400-character address failed (500). `İ` lower-cases to `i`, here as when stored."""
    unknown = await login(client, "İ" * 200 + "@a.com", "x")
    assert_unauthenticated(unknown)
    org = await make_org()
    email = f"İnci.{unique('x')}@corp.local"
    agent = await make_agent(org, email=email)
    assert agent.email == "i" + email[1:].lower()
    for given in (email, email.upper(), agent.email):
        assert (await login(client, given)).status_code == 200, given


# --- API keys ------------------------------------------------------------------------------


async def create_key(client: httpx.AsyncClient, team: Team, name: str = "CI") -> dict:
    response = await client.post("/api/api-keys", headers=team.admin_headers, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()


async def test_api_key_is_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, team: Team
) -> None:
    created = await create_key(client, team, "Zapier")
    key = created["key"]
    assert key.startswith("prl_ak_")
    meta = created["apiKey"]
    assert (meta["name"], meta["revokedAt"], meta["lastUsedAt"]) == ("Zapier", None, None)
    assert key.startswith(meta["prefix"])
    rows = await ApiKey.filter(id=meta["id"]).values()
    assert rows[0]["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in repr(rows)
    listed = await client.get("/api/api-keys", headers=team.admin_headers)
    assert listed.status_code == 200
    assert key not in listed.text
    body = listed.json()
    assert set(body) == {"items", "total", "totalExact", "page", "pageSize"}
    assert [item["id"] for item in body["items"]] == [meta["id"]]


async def test_api_key_acts_as_an_admin_of_its_org(client: httpx.AsyncClient, team: Team) -> None:
    headers = bearer((await create_key(client, team))["key"])
    me = await client.get("/api/me", headers=headers)
    assert me.json() == {
        "agent": None,
        "organization": me.json()["organization"],
        "via": "api_key",
        "emailNotifications": None,  # an API key has no email switches
    }
    assert me.json()["organization"]["id"] == team.org.id
    listed = await client.get("/api/agents", headers=headers)
    assert {a["id"] for a in listed.json()["items"]} == {team.admin.id, team.agent.id}
    added = await client.post(
        "/api/agents",
        headers=headers,
        json={"email": f"{unique('bot')}@example.com", "name": "Bot", "password": "long-enough"},
    )
    assert added.status_code == 201
    assert added.json()["agent"]["organizationId"] == team.org.id
    keys = await client.get("/api/api-keys", headers=headers)
    assert keys.status_code == 200
    assert keys.json()["items"][0]["lastUsedAt"] is not None
    # Logging out with a key is harmless; the key keeps working (it is revoked by id).
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/me", headers=headers)).status_code == 200


async def test_revoked_api_key_is_refused(client: httpx.AsyncClient, team: Team) -> None:
    created = await create_key(client, team)
    headers = bearer(created["key"])
    response = await client.delete(
        f"/api/api-keys/{created['apiKey']['id']}", headers=team.admin_headers
    )
    assert response.status_code == 204
    assert_unauthenticated(await client.get("/api/me", headers=headers))
    listed = await client.get("/api/api-keys", headers=team.admin_headers)
    assert listed.json()["items"][0]["revokedAt"] is not None


async def test_api_keys_are_admin_only(client: httpx.AsyncClient, team: Team) -> None:
    created = await create_key(client, team)
    h = team.agent_headers
    assert_error(await client.get("/api/api-keys", headers=h), 403, "forbidden")
    assert_error(
        await client.post("/api/api-keys", headers=h, json={"name": "Mine"}), 403, "forbidden"
    )
    assert_error(
        await client.delete(f"/api/api-keys/{created['apiKey']['id']}", headers=h),
        403,
        "forbidden",
    )
    assert (await client.get("/api/me", headers=bearer(created["key"]))).status_code == 200
    assert await ApiKey.filter(organization_id=team.org.id).count() == 1


@pytest.mark.parametrize("key_id", ["0", "2147483647", "4294967296", "9" * 25])
async def test_revoking_an_unknown_key_is_404(
    client: httpx.AsyncClient, team: Team, key_id: str
) -> None:
    response = await client.delete(f"/api/api-keys/{key_id}", headers=team.admin_headers)
    assert_error(response, 404, "not_found")


async def test_api_key_name_is_required(client: httpx.AsyncClient, team: Team) -> None:
    for body in ({}, {"name": "  "}, {"name": "x" * 201}):
        response = await client.post("/api/api-keys", headers=team.admin_headers, json=body)
        assert "name" in assert_error(response, 422, "validation_failed")["fields"]


async def test_api_key_list_pages(client: httpx.AsyncClient, team: Team) -> None:
    for name in ("one", "two", "three"):
        await create_key(client, team, name)
    response = await client.get(
        "/api/api-keys", headers=team.admin_headers, params={"page": 2, "pageSize": 2}
    )
    body = response.json()
    assert (body["total"], body["page"], body["pageSize"]) == (3, 2, 2)
    assert [k["name"] for k in body["items"]] == ["one"]
