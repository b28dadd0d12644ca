"""Reading and validating request bodies and query strings into pydantic models."""

from __future__ import annotations

import json
import math
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from server.errors import (
    BadRequest,
    ErrorCode,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

M = TypeVar("M", bound=BaseModel)


def validation_fields(exc: ValidationError) -> dict[str, str]:
    """pydantic errors as {"field.path": "message"}, using the wire (camelCase) names."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"]) or "body"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "Unknown field."
        out.setdefault(path, message)
    return out


async def read_json(request: Request, *, limit: int) -> Any:
    """The request's JSON body, refusing anything larger than `limit` bytes before reading it.

    415 for another media type (none given is taken as JSON), 413 past `limit`, 400
    `invalid_json` for anything that is not strict JSON, 422 for text no column can store.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json.")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            declared_size = int(declared)
        except ValueError:
            raise BadRequest("Content-Length is not a number.") from None
        if declared_size > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    # The declared length is only a hint: a chunked or lying body is counted as it arrives.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise BadRequest("A JSON body is required.", code=ErrorCode.INVALID_JSON)
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(
            f"The body is not valid JSON: {exc}", code=ErrorCode.INVALID_JSON
        ) from None
    except RecursionError:
        raise BadRequest("The body is nested too deeply.", code=ErrorCode.INVALID_JSON) from None
    _check_storable(data)
    return data


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON does not, and neither does PostgreSQL.
    raise ValueError(f"{name} is not a JSON value")


def _unstorable(text: str) -> str | None:
    """Why `text` cannot be stored as text (NUL, unpaired surrogate), or None if it can."""
    if "\x00" in text:
        return "Must not contain NUL characters."
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "Must not contain unpaired surrogates."
    return None


def _check_storable(data: Any) -> None:
    """Refuse strings no database column can hold, naming where they are (422).

    PostgreSQL rejects NUL characters and unpaired surrogates in text and JSON, and a float
    such as 1e999 parses as infinity; left in, they would surface as a 500 at the insert.
    Walked iteratively so a deeply nested body cannot exhaust the stack.
    """
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        path, value = pending.pop()
        problem: str | None = None
        if isinstance(value, str):
            problem = _unstorable(value)
        elif isinstance(value, float) and not math.isfinite(value):
            problem = "Number out of range."
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else key
                key_problem = _unstorable(key)
                if key_problem:
                    raise ValidationFailed(
                        "The request is not valid.", fields={_printable(where): key_problem}
                    )
                pending.append((where, item))
        elif isinstance(value, list):
            pending.extend(
                (f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value)
            )
        if problem:
            raise ValidationFailed(
                "The request is not valid.", fields={_printable(path) or "body": problem}
            )


def _printable(path: str) -> str:
    # A field name holding an unpaired surrogate could not be encoded into the response.
    return path.encode("utf-8", "backslashreplace").decode("utf-8")


def parse_model(model: type[M], data: Any) -> M:
    """Validate `data` against `model`, turning pydantic's errors into one 422."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("The request is not valid.", fields=validation_fields(exc)) from None


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in get_args(annotation))


def parse_query(model: type[M], request: Request) -> M:
    """Build `model` from the query string. List fields accept repeats and commas."""
    params = request.query_params
    data: dict[str, Any] = {}
    known: set[str] = set()
    for name, field in model.model_fields.items():
        key = field.alias or name
        known.add(key)
        if key not in params:
            continue
        if _is_list(field.annotation):
            data[key] = [
                v.strip() for raw in params.getlist(key) for v in raw.split(",") if v.strip()
            ]
        else:
            data[key] = params[key]
    for key, value in params.multi_items():
        problem = _unstorable(value)
        if problem:
            raise ValidationFailed("The request is not valid.", fields={key: problem})
    unknown = sorted(set(params.keys()) - known)
    if unknown:
        raise ValidationFailed(
            "Unknown query parameter.", fields={key: "Unknown query parameter." for key in unknown}
        )
    return parse_model(model, data)
