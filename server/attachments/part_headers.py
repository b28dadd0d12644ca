"""A multipart part's Content-Disposition: its field name and its file's name, as sent.

The name is returned raw (sanitised later, `files.safe_name`); what is decoded here is only
the encodings clients use for it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from python_multipart.multipart import parse_options_header

from server.errors import BadRequest

# One `; name=value` parameter of a header; the value a quoted string (which may hold a `;`,
# or text that looks like another parameter) or anything up to the next `;`.
_PARAMETER = re.compile(r';[ \t]*([^ \t=;]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^;]*)')


def disposition(header: bytes | None) -> tuple[str, str | None]:
    """A part's field name and filename (None for a plain field) from its
    Content-Disposition; 400 unless it is `form-data` with a name, as RFC 7578 requires."""
    if header is None:
        raise BadRequest("A part of the multipart body has no Content-Disposition.")
    disposition, options = parse_options_header(header)
    name = options.get(b"name")
    if disposition != b"form-data" or name is None:
        raise BadRequest("A part's Content-Disposition must be form-data with a name.")
    return text(name), _filename(header.decode("latin-1"), options)


def _filename(header: str, options: dict[bytes, bytes]) -> str | None:
    """RFC 5987's `filename*` where the client sent one that decodes, else `filename`; ""
    for a `filename*` alone that does not decode; None when the part has neither.

    python-multipart drops `filename*` (RFC 7578 section 4.2 forbids it in forms), but some
    clients send it, alone or beside an ASCII `filename` as RFC 6266 suggests for downloads;
    where both are sent, the extended one is the real name."""
    extended = _parameter(header, "filename*")
    if extended is not None:
        decoded = _decode_extended(extended)
        if decoded is not None:
            return decoded
    plain = options.get(b"filename")
    if plain is not None:
        return text(plain)
    return "" if extended is not None else None


def _parameter(header: str, wanted: str) -> str | None:
    for match in _PARAMETER.finditer(header):
        if match.group(1).lower() == wanted:
            return match.group(2).strip(" \t")
    return None


def _decode_extended(value: str) -> str | None:
    """An RFC 5987 `charset'language'percent-encoded` value; None if it is not one."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]  # quoted, which RFC 5987 does not allow but some clients do
    charset, _, rest = value.partition("'")
    _, quote, encoded = rest.partition("'")
    charset = charset.lower()
    if not quote or charset not in ("utf-8", "iso-8859-1"):
        return None
    try:
        # `value` came from header bytes read as latin-1: back to those bytes, then unquoted.
        return unquote_to_bytes(encoded.encode("latin-1")).decode(charset)
    except UnicodeDecodeError:
        return None


def text(raw: bytes) -> str:
    # Browsers send names as UTF-8; anything else is taken as latin-1 rather than refused.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
