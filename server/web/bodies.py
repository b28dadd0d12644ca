"""Reading and validating request bodies and query strings into pydantic models."""

from __future__ import annotations

import json
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
from server.web.schema import find_unstorable, unstorable_text

M = TypeVar("M", bound=BaseModel)


def validation_fields(exc: ValidationError) -> dict[str, str]:
    """pydantic errors as {"field.path": "message"}, using the wire (camelCase) names."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        path = _printable(".".join(str(part) for part in err["loc"])) or "body"
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
    return parse_json(await read_body(request, limit=limit))


async def read_body(request: Request, *, limit: int) -> bytes:
    """The raw bytes of a JSON request body (415 for another media type, 413 past `limit`);
    `parse_json` makes them a value. Idempotency keys fingerprint these exact bytes."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json.")
    return await _read_limited(request, limit)


async def read_raw_body(request: Request, *, limit: int, media_type: str) -> bytes:
    """The raw bytes of a body that must be of `media_type` (415 otherwise, 413 past
    `limit`), e.g. an email as `message/rfc822`."""
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given != media_type:
        raise UnsupportedMediaType(f"Send the body as {media_type}.")
    return await _read_limited(request, limit)


async def _read_limited(request: Request, limit: int) -> bytes:
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
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """A request body's bytes as a JSON value (400 `invalid_json` unless strict JSON)."""
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
    return data


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON does not, and neither does PostgreSQL.
    raise ValueError(f"{name} is not a JSON value")


def _printable(path: str) -> str:
    # A field name holding an unpaired surrogate could not be encoded into the response.
    return path.encode("utf-8", "backslashreplace").decode("utf-8")


def parse_model(model: type[M], data: Any) -> M:
    """Validate a decoded JSON body against `model`, turning pydantic's errors into one 422.

    Validated as JSON and strictly, so each field takes only the JSON type its schema names:
    `false` is not 0, `"5"` is not 5, `1` is not true. Text no column can store is refused
    first, by where it is (JSON could not carry an unpaired surrogate to the validator).
    """
    found = find_unstorable(data)
    if found:
        path, problem = found
        where = _printable(".".join(str(part) for part in path)) or "body"
        raise ValidationFailed("The request is not valid.", fields={where: problem})
    try:
        text = _json_text(data)
    except RecursionError:
        raise BadRequest("The body is nested too deeply.", code=ErrorCode.INVALID_JSON) from None
    try:
        return model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise ValidationFailed("The request is not valid.", fields=validation_fields(exc)) from None


def _json_text(data: Any) -> str:
    """`data` as JSON text with integral numbers written as integers: JSON has one number
    type and JSON Schema counts `5.0` as an integer, so an integer field takes it (strict
    validation alone would not); `5.5` stays a fraction and is refused there."""
    return json.dumps(json.loads(json.dumps(data), parse_float=_integral_as_int))


def _integral_as_int(text: str) -> int | float:
    value = float(text)
    # Only where the float is exact: past 2**53 it no longer names one integer.
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


def _parse_text(model: type[M], data: dict[str, Any]) -> M:
    # Query values are text, so they are converted (`5` is read from "5"); the types that
    # must not be (dates from numbers) say so in their schema.
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
    for key in params:
        problem = unstorable_text(key)
        if problem:
            raise ValidationFailed("The request is not valid.", fields={_printable(key): problem})
    unknown = sorted(set(params.keys()) - known)
    if unknown:
        raise ValidationFailed(
            "Unknown query parameter.", fields={key: "Unknown query parameter." for key in unknown}
        )
    return _parse_text(model, data)
