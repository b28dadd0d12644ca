"""The wire protocol's own rules: parsing client frames, close reasons, encoded error frames.

End-to-end behaviour on a real socket is in test_routes.py; this module pins down what
`server/channels/protocol.py` decides by itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server.channels import protocol
from server.channels.protocol import BadFrame, parse_client_frame

LIMIT = protocol.MAX_FRAME_CONTAINERS
DOCS = Path(__file__).resolve().parents[2] / "docs" / "realtime.md"


def refused(text: str) -> BadFrame:
    with pytest.raises(BadFrame) as caught:
        parse_client_frame(text)
    assert caught.value.message
    return caught.value


# --- nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5_000 + "]" * 5_000,
        "[" * 5_000,
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        '{"type":"ping","x":' + "[" * 5_000 + "]" * 5_000 + "}",
        '{"type":' + "[" * 50_000,
    ],
    ids=["arrays", "unclosed", "objects", "inside-a-frame", "as-the-type"],
)
def test_deeply_nested_frames_are_bad_frames(text: str) -> None:
    # Refused before the JSON decoder recurses (it raised RecursionError: internal_error).
    assert refused(text).code == "bad_frame"


def test_nesting_is_refused_past_the_limit_and_no_sooner() -> None:
    at_limit = '{"type":"ping","x":' + "[" * (LIMIT - 1) + "]" * (LIMIT - 1) + "}"
    assert refused(at_limit).code == "bad_frame"  # an extra field: validated, then refused
    assert "extra" in refused(at_limit).message.lower()
    over = '{"type":"ping","x":' + "[" * LIMIT + "]" * LIMIT + "}"
    assert f"at most {LIMIT} arrays and objects" in refused(over).message


def test_many_shallow_containers_count_too() -> None:
    # The bound is on containers, which is also a bound on depth; no valid frame has three.
    text = '{"type":"ping","x":[' + ",".join(["[]"] * LIMIT) + "]}"
    assert f"at most {LIMIT}" in refused(text).message


@pytest.mark.parametrize(
    "field",
    ["channel", "epoch"],
)
def test_brackets_inside_strings_are_just_characters(field: str) -> None:
    brackets = "[{" * 30
    frame = {"type": "subscribe", "channel": "queue", "since": {"offset": 1, "epoch": "e"}}
    if field == "channel":
        frame["channel"] = brackets
    else:
        frame["since"] = {"offset": 1, "epoch": brackets}
    parsed = parse_client_frame(json.dumps(frame))
    assert isinstance(parsed, protocol.SubscribeFrame)
    assert brackets in (parsed.channel, parsed.since and parsed.since.epoch)


def test_escaped_quotes_do_not_hide_brackets() -> None:
    # `\"` inside a string does not end it, `\\` does not escape the closing quote: the
    # arrays after the string are counted (taking `"a\"` for the string would hide them).
    nested = "[" * LIMIT + "]" * LIMIT
    text = '{"type":"ping","x":"a\\"b\\\\","y":' + nested + "}"
    assert json.loads(text)["x"] == 'a"b\\'
    assert f"at most {LIMIT}" in refused(text).message


@pytest.mark.parametrize(
    "text",
    ['"' + "[" * 100, '{"type":"' + "[" * 100 + "\\"],
    ids=["unterminated-string", "trailing-backslash"],
)
def test_unterminated_strings_are_invalid_json(text: str) -> None:
    # The brackets are inside the (never closed) string: not containers.
    assert refused(text).code == "invalid_json"


# --- other frames the decoder and the models see ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"type":' + "9" * 5_000 + "}", "invalid_json"),  # over Python's int digit limit
        ('{"type":["ping"]}', "unknown_type"),
        ('{"type":{"a":1}}', "unknown_type"),
        ('{"type":"\\ud800"}', "unknown_type"),
        ('{"type":"subscribe","channel":"\\ud800"}', "bad_frame"),  # not a str to pydantic
        ('{"type":"ping","x":NaN}', "bad_frame"),
        ("[]", "bad_frame"),
        ("", "invalid_json"),
    ],
    ids=["huge-int", "list-type", "object-type", "surrogate-type", "surrogate-channel", "nan",
         "array", "empty"],
)  # fmt: skip
def test_odd_frames_are_told_apart(text: str, code: str) -> None:
    assert refused(text).code == code


def test_an_unknown_type_is_quoted_briefly() -> None:
    message = refused(json.dumps({"type": "x" * 1_000})).message
    assert "'" + "x" * 40 + "'" in message and "x" * 41 not in message
    assert "list" in refused(json.dumps({"type": list(range(1_000))})).message


# --- server frames -------------------------------------------------------------------------------


def test_error_frames_can_always_be_sent_as_utf8() -> None:
    frame = protocol.error("bad_channel", "invalid channel name '\ud800' and ¡olé!")
    frame.encode()  # a lone surrogate (from a JSON escape) is sent escaped, never raw
    assert json.loads(frame)["message"] == "invalid channel name '\ud800' and ¡olé!"


@pytest.mark.parametrize(
    "text",
    ["short", "¡" * 200, "x" * 122 + "€", "a\ud800b" * 50],
    ids=["ascii", "two-byte", "split-character", "surrogates"],
)
def test_close_reasons_fit_a_close_frame(text: str) -> None:
    # A longer reason made the close itself fail: the client saw 1006 instead of the code.
    reason = protocol.close_reason(text)
    sendable = text.encode(errors="replace").decode()  # a lone surrogate becomes "?"
    assert len(reason.encode()) <= protocol.MAX_CLOSE_REASON_BYTES == 123
    assert sendable.startswith(reason)
    # Cut on the last whole character that fits, no shorter.
    assert reason == sendable or len(reason.encode()) > 123 - 4


def test_the_docs_list_exactly_the_close_codes_the_server_uses() -> None:
    # The docs said 1001 on shutdown while the server sent 1012 (uvicorn's code on SIGTERM).
    table = DOCS.read_text().split("| code | meaning | client should |", 1)[1].split("\n\n")[0]
    documented = {int(code) for code in re.findall(r"^\| (\d{4}) \|", table, re.MULTILINE)}
    assert documented == {int(code) for code in protocol.Close}
    assert protocol.Close.SERVICE_RESTART == 1012
