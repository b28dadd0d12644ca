"""Account request schemas: what the wire accepts before a service sees it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.accounts.models import Role
from server.accounts.schemas import (
    AgentCreate,
    AgentListQuery,
    AgentOut,
    AgentUpdate,
    ApiKeyListQuery,
    LoginRequest,
)


def test_login_accepts_addresses_the_cli_may_have_created() -> None:
    # Agents made with `parley create-agent` are not checked by email-validator.
    body = LoginRequest.model_validate({"email": " admin@corp.local ", "password": "x"})
    assert body.email == "admin@corp.local"


def test_login_org_must_look_like_a_slug() -> None:
    with pytest.raises(ValidationError):
        LoginRequest.model_validate({"email": "a@example.com", "password": "x", "org": "Not A"})


def test_agent_create_validates_email_password_and_role() -> None:
    created = AgentCreate.model_validate(
        {"email": "new@example.com", "name": " New ", "password": "long-enough"}
    )
    assert created.role is Role.AGENT
    assert created.name == "New"
    for bad in (
        {"email": "not-an-email", "name": "N", "password": "long-enough"},
        {"email": "n@example.com", "name": "N", "password": "short"},
        {"email": "n@example.com", "name": "", "password": "long-enough"},
        {"email": "n@example.com", "name": "N", "password": "long-enough", "role": "owner"},
    ):
        with pytest.raises(ValidationError):
            AgentCreate.model_validate(bad)


def test_agent_update_uses_camel_case() -> None:
    assert AgentUpdate.model_validate({"isActive": False}).is_active is False
    with pytest.raises(ValidationError):
        AgentUpdate.model_validate({"active": False})


@pytest.mark.parametrize("model", [AgentListQuery, ApiKeyListQuery])
def test_page_numbers_are_bounded(model: type[AgentListQuery] | type[ApiKeyListQuery]) -> None:
    assert model.model_validate({"page": "100000"}).page == 100_000
    for page in ("0", "100001", "1" + "0" * 21):
        with pytest.raises(ValidationError):
            model.model_validate({"page": page})


def test_agent_out_never_has_the_password_hash() -> None:
    assert "passwordHash" not in AgentOut.model_json_schema(by_alias=True)["properties"]
