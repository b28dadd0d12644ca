"""The organisation's stored settings: the widget's allowed origins and settings, read with
their defaults (a stored value that no longer validates reads as its default), and the admin's
change to them, which carries other domains' settings too (`update_organization`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from tortoise.transactions import in_transaction

from server.accounts.models import Organization
from server.accounts.principal import Principal
from server.accounts.schemas import PreChat, WidgetSettings
from server.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)


def allowed_origins(org: Organization) -> list[str]:
    """Origins (besides Parley's own) whose pages may open the widget's socket."""
    value = (org.settings or {}).get("allowedOrigins") or []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    _invalid_setting(org, "allowedOrigins")
    return []


DEFAULT_WIDGET: dict[str, Any] = {
    "greeting": "Hi! How can we help?",
    "primaryColor": "#2563eb",
    "preChat": {"name": "optional", "email": "optional"},
    "businessHours": None,
    "verificationRequired": False,
    "routing": "manual",
    "allowPriority": False,
    "offlineGraceSeconds": 120,
}


def widget_settings(org: Organization) -> dict[str, Any]:
    """The organisation's widget settings, defaults filled in (wire names).

    A stored value that no longer validates (edited by hand, written by an older version)
    falls back to its default with a warning: one bad value must not take every embedded
    widget of the organisation down, nor the admin's page that can repair it.
    """
    stored = _stored_dict(org, (org.settings or {}).get("widget"), "widget")
    merged = {
        name: _valid_or_default(org, WidgetSettings, "widget", name, stored.get(name), default)
        for name, default in DEFAULT_WIDGET.items()
        if name != "preChat"
    }
    form = _stored_dict(org, stored.get("preChat"), "widget.preChat")
    merged["preChat"] = {
        name: _valid_or_default(org, PreChat, "widget.preChat", name, form.get(name), default)
        for name, default in DEFAULT_WIDGET["preChat"].items()
    }
    return merged


def _stored_dict(org: Organization, value: Any, where: str) -> dict[str, Any]:
    if value is None or isinstance(value, dict):
        return value or {}
    _invalid_setting(org, where)
    return {}


def _valid_or_default(
    org: Organization, schema: type[BaseModel], where: str, name: str, value: Any, default: Any
) -> Any:
    """`value` as `schema` reads field `name` (wire name), or `default` if unset or invalid."""
    if value is None:
        return default
    try:
        checked = schema.model_validate({name: value})
    except ValidationError:
        _invalid_setting(org, f"{where}.{name}")
        return default
    return checked.model_dump(mode="json", by_alias=True)[name]


def _invalid_setting(org: Organization, name: str) -> None:
    log.warning(
        "organisation %s: the stored setting %s is not valid; using its default", org.id, name
    )


async def update_organization(
    *,
    principal: Principal,
    allowed_origins: list[str] | None = None,
    widget: dict[str, Any] | None = None,
    other_settings: Mapping[str, Any] | None = None,
    other_patches: Mapping[str, Callable[[Any], Any]] | None = None,
) -> Organization:
    """Admins change the widget's origins and settings (`widget`: given keys only; a null
    value puts that setting back to its default), and with them, in the same write, settings
    another domain owns and has validated (`other_settings`, top-level keys of
    `Organization.settings`, e.g. the ticket categories; None removes a key, so it reads as
    that domain's default), or changes to such a key computed from its stored value under
    the organisation's lock (`other_patches`: stored value in, new value out, None removes)."""
    principal.require_admin()
    if allowed_origins is None and not widget and not other_settings and not other_patches:
        raise ValidationFailed(
            "Nothing to change.", fields={"body": "Give at least one setting to change."}
        )
    async with in_transaction() as conn:
        org = await (
            Organization.filter(id=principal.organization_id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if org is None:
            raise NotFound("Organisation not found.")
        settings = dict(org.settings or {})
        if allowed_origins is not None:
            settings["allowedOrigins"] = list(dict.fromkeys(allowed_origins))
        if widget:
            settings["widget"] = _changed_widget(settings.get("widget"), widget)
        for key, value in (other_settings or {}).items():
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        for key, patch in (other_patches or {}).items():
            patched = patch(settings.get(key))
            if patched is None:
                settings.pop(key, None)
            else:
                settings[key] = patched
        org.settings = settings
        await org.save(using_db=conn, update_fields=["settings", "updated_at"])
    return org


def _changed_widget(stored: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The stored widget settings with `changes` (wire names) applied: null removes a value,
    so it reads as its default; one field of the pre-chat form changes, not all."""
    new = dict(stored) if isinstance(stored, dict) else {}
    for name, value in changes.items():
        if value is None:
            new.pop(name, None)
        elif name == "preChat":
            old_form = new.get("preChat")
            new["preChat"] = {**(old_form if isinstance(old_form, dict) else {}), **value}
        else:
            new[name] = value
    return new
