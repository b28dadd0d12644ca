"""The OpenAPI 3.1 document, generated from the endpoint declarations and their schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import (
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    models_json_schema,
)
from pydantic_core import core_schema

from server import __version__
from server.web import idempotency
from server.web.endpoints import Access, Endpoint
from server.web.schema import ResponseModel, trimmed_length_pattern

REF_TEMPLATE = "#/components/schemas/{model}"
_STATUS_TEXT = {
    400: "Malformed request (bad JSON, bad Content-Length).",
    401: "Missing, invalid, expired or revoked token.",
    403: "The caller's role may not do this.",
    404: "Not found in the caller's organisation.",
    409: "Conflicts with the current state.",
    413: "The body is larger than the configured limit.",
    415: "The body is not JSON.",
    422: "The input does not validate; `fields` says which and why.",
    429: "Rate limited; see Retry-After.",
}


class ErrorDetail(ResponseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorResponse(ResponseModel):
    """The one error shape every endpoint answers with."""

    error: ErrorDetail


class _DocumentJsonSchema(GenerateJsonSchema):
    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        json_schema = super().str_schema(schema)
        # Request strings are trimmed before their length is checked (RequestModel): a
        # minimum length is one of the trimmed text, so " " must not look valid.
        min_length = json_schema.get("minLength", 0)
        if self.mode == "validation" and min_length > 0 and "pattern" not in json_schema:
            json_schema["pattern"] = trimmed_length_pattern(min_length)
        return json_schema


# An upload: one `file` part per file (server/attachments/upload.py).
MULTIPART_FILES: dict[str, Any] = {
    "schema": {
        "type": "object",
        "properties": {
            "file": {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "minItems": 1,
            }
        },
        "required": ["file"],
        "additionalProperties": False,
    },
    "encoding": {"file": {"contentType": "application/octet-stream"}},
}


def _component_name(name: str) -> str:
    # Generic models are named like `Page[TicketOut]`; component keys must be plain.
    return re.sub(r"[^A-Za-z0-9._-]", "", name.replace("[", "Of").replace(",", "And"))


def _rename_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/"):
                name = value.rsplit("/", 1)[1]
                out[key] = "#/components/schemas/" + names.get(name, _component_name(name))
            else:
                out[key] = _rename_refs(value, names)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, names) for item in node]
    return node


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per property of a query model's component schema.

    The properties keep their `$ref`s (enums such as `TicketSort`), which point into the
    same components as the bodies, so the query model goes through the one schema run too.
    """
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    params = []
    for name, prop in props.items():
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k != "description"},
        }
        if "description" in prop:
            param["description"] = prop["description"]
        if "array" in str(prop.get("type", "")) or "array" in str(prop.get("anyOf", "")):
            param["style"] = "form"
            param["explode"] = True
        params.append(param)
    return params


def _path_parameters(path: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for name, convertor in re.findall(r"{(\w+)(?::(\w+))?}", path):
        schema = {"type": "integer"} if convertor in ("int", "id") else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return re.sub(r"{(\w+):\w+}", r"{\1}", path), params


IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (a UUID). The same key with the same request within 24 hours "
        "answers what the first answered (with `Idempotent-Replayed: true`) instead of "
        "creating again; with another request, 409 `idempotency_key_reused`; while the first "
        "still runs, 409 `idempotency_key_in_use`. See docs/api.md."
    ),
    "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN},
}
REPLAYED_HEADER: dict[str, Any] = {
    "description": "`true` when this is the stored answer to an earlier request with the "
    "same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}


def build_openapi(endpoints: list[Endpoint]) -> dict[str, Any]:
    """An OpenAPI 3.1 document for `endpoints` (JSON Schema 2020-12 from pydantic)."""
    models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {
        (ErrorResponse, "serialization"): None
    }
    for ep in endpoints:
        for model in (ep.body, ep.query):
            if model:
                models[(model, "validation")] = None
        if ep.response:
            models[(ep.response, "serialization")] = None
    keys, definitions = models_json_schema(
        list(models),
        by_alias=True,
        ref_template=REF_TEMPLATE,
        schema_generator=_DocumentJsonSchema,
    )
    raw_defs: dict[str, Any] = definitions.get("$defs", {})
    names = {name: _component_name(name) for name in raw_defs}
    components = {names[n]: _rename_refs(s, names) for n, s in raw_defs.items()}

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return _rename_refs(keys[(model, mode)], names)

    def component_of(reference: dict[str, Any]) -> dict[str, Any]:
        return components[reference["$ref"].rsplit("/", 1)[1]]

    error_ref = ref(ErrorResponse, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        path, params = _path_parameters(ep.path)
        if ep.query:
            params += _query_parameters(component_of(ref(ep.query, "validation")))
        op: dict[str, Any] = {
            "operationId": ep.handler.__name__,
            "summary": ep.summary,
            "tags": [ep.tag],
            "responses": {},
        }
        if ep.description:
            op["description"] = ep.description
        if ep.idempotent:
            params.append(IDEMPOTENCY_KEY_PARAMETER)
        if params:
            op["parameters"] = params
        if ep.access is Access.VISITOR:
            op["security"] = [{"visitor": []}]
        elif ep.access is Access.TRACKER:
            op["security"] = [{"tracking": []}]
        elif ep.access is not Access.PUBLIC:
            op["security"] = [{"bearer": []}]
        if ep.body:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(ep.body, "validation")}},
            }
        elif ep.raw_body == "multipart/form-data":
            op["requestBody"] = {"required": True, "content": {ep.raw_body: MULTIPART_FILES}}
        elif ep.raw_body:
            op["requestBody"] = {
                "required": True,
                "content": {ep.raw_body: {"schema": {"type": "string", "format": "binary"}}},
            }
        if ep.response:
            content = {ep.media_type: {"schema": ref(ep.response, "serialization")}}
            op["responses"][str(ep.status)] = {"description": "Success.", "content": content}
        elif ep.media_type != "application/json":
            content = {ep.media_type: {"schema": {"type": "string"}}}
            op["responses"][str(ep.status)] = {"description": "Success.", "content": content}
        else:
            op["responses"][str(ep.status)] = {"description": "Success, no content."}
        if ep.idempotent:
            op["responses"][str(ep.status)]["headers"] = {
                idempotency.REPLAYED_HEADER: REPLAYED_HEADER
            }
        statuses = set(ep.errors)
        if ep.body:
            statuses |= {400, 413, 415, 422}
        if ep.raw_body:
            statuses |= {400, 413, 415}
        if ep.query:
            statuses.add(422)
        if ep.access is not Access.PUBLIC:
            statuses.add(401)
        if ep.access is Access.ADMIN:
            statuses.add(403)
        if ep.idempotent:
            statuses |= {409, 422}
        for status in sorted(statuses):
            op["responses"][str(status)] = {
                "description": _STATUS_TEXT.get(status, "Error."),
                "content": {"application/json": {"schema": error_ref}},
            }
        paths.setdefault(path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Parley API",
            "version": __version__,
            "description": "Tickets, agents and organisations. See docs/api.md.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An access token from /api/auth/login, or an API key.",
                },
                "visitor": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A visitor token (prl_vt_) from /api/embed/session.",
                },
                "tracking": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A tracking session token (prl_ts_) from /api/track/session.",
                },
            },
        },
    }
