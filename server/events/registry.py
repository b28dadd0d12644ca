"""Every domain event type, registered once by the domain that declares it.

`register` is called at import time by each domain's `events.py`; `parse` turns a stored row
back into its typed event. A type registered twice (by two domains) is a bug caught at import.
"""

from __future__ import annotations

from typing import Any

from server.events.model import Event

_types: dict[str, type[Event]] = {}


def register(*classes: type[Event]) -> None:
    for cls in classes:
        name = event_type(cls)
        known = _types.get(name)
        if known is not None and known is not cls:
            raise ValueError(f"event type {name!r} is declared twice: {known} and {cls}")
        _types[name] = cls


def event_type(cls: type[Event]) -> str:
    """The literal `type` a class declares (its field's default)."""
    default = cls.model_fields["type"].default
    if not isinstance(default, str) or not default:
        raise TypeError(f"{cls.__name__} declares no literal type")
    return default


def registered() -> dict[str, type[Event]]:
    """Every registered event type and its class (a copy)."""
    return dict(_types)


def parse(type_name: str, payload: dict[str, Any]) -> Event:
    """The typed event a stored row holds; KeyError for a type nobody registered."""
    return _types[type_name].model_validate({**payload, "type": type_name})
