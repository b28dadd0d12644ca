"""Tests for server/channels/names.py: wire names, internal keys, parsing."""

from __future__ import annotations

import pytest

from server.channels import names
from server.channels.names import Channel


def test_queue() -> None:
    channel = names.queue(7)
    assert channel == Channel(7, "queue", None)
    assert channel.wire == "queue"
    assert channel.key == "parley:org:7:queue"


@pytest.mark.parametrize(
    ("build", "kind"),
    [(names.ticket, "ticket"), (names.agent, "agent"), (names.contact, "contact")],
)
def test_object_channels(build, kind: str) -> None:
    channel = build(7, 42)
    assert channel == Channel(7, kind, 42)
    assert channel.wire == f"{kind}:42"
    assert channel.key == f"parley:org:7:{kind}:42"


def test_channel_is_frozen_and_hashable() -> None:
    channel = names.ticket(1, 2)
    with pytest.raises(AttributeError):
        channel.object_id = 3  # type: ignore[misc]
    assert {channel, names.ticket(1, 2)} == {channel}


def test_same_object_in_two_organisations_has_different_keys() -> None:
    assert names.ticket(1, 5).key != names.ticket(2, 5).key
    assert names.history_key(names.ticket(1, 5)) != names.history_key(names.ticket(2, 5))
    assert names.parse(1, "ticket:5") != names.parse(2, "ticket:5")


@pytest.mark.parametrize(
    "wire",
    ["queue", "ticket:1", "ticket:42", "agent:7", "contact:999999999"],
)
def test_parse_round_trips(wire: str) -> None:
    channel = names.parse(3, wire)
    assert channel.organization_id == 3
    assert channel.wire == wire
    assert names.from_key(channel.key) == channel


def test_parse_builds_the_right_channel() -> None:
    assert names.parse(3, "queue") == names.queue(3)
    assert names.parse(3, "ticket:42") == names.ticket(3, 42)
    assert names.parse(3, "agent:42") == names.agent(3, 42)
    assert names.parse(3, "contact:42") == names.contact(3, 42)


@pytest.mark.parametrize(
    "wire",
    [
        "",
        "queue:1",  # the queue takes no id
        "queues",
        "Queue",
        "ticket",  # missing id
        "ticket:",
        "ticket:abc",
        "ticket:0",
        "ticket:-1",
        "ticket:+1",
        "ticket:007",  # one wire name per channel
        "ticket:1.5",
        "ticket:1e3",
        "ticket:1000000000",  # ten digits
        "ticket:99999999999999999999",
        "ticket:1:2",  # extra parts
        "ticket:1:",
        "org:2:ticket:1",  # a client never names an organisation
        "parley:org:2:ticket:1",
        " ticket:1",
        "ticket:1 ",
        "ticket: 1",
        "ticket:1\n",
        "ticket :1",
        "ticket:\u0661",  # Arabic-Indic digit one
        "user:1",
        "TICKET:1",
        "ticket/1",
    ],
)
def test_parse_rejects(wire: str) -> None:
    with pytest.raises(ValueError, match="invalid channel name"):
        names.parse(3, wire)


@pytest.mark.parametrize("wire", [None, 1, b"queue", ["queue"]])
def test_parse_rejects_non_strings(wire: object) -> None:
    with pytest.raises(ValueError, match="must be a string"):
        names.parse(3, wire)  # type: ignore[arg-type]


@pytest.mark.parametrize("org", [0, -1, None, "1", True, 1.0])
def test_organisation_must_be_a_positive_int(org: object) -> None:
    with pytest.raises(ValueError, match="organisation id"):
        names.parse(org, "queue")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="organisation id"):
        names.queue(org)  # type: ignore[arg-type]


@pytest.mark.parametrize("object_id", [0, -3, 1_000_000_000, None, "5", True, 2.0])
@pytest.mark.parametrize("build", [names.ticket, names.agent, names.contact])
def test_constructors_reject_bad_ids(build, object_id: object) -> None:
    with pytest.raises(ValueError, match="needs an id"):
        build(1, object_id)


def test_channel_rejects_unknown_kind_and_queue_id() -> None:
    with pytest.raises(ValueError, match="unknown channel kind"):
        Channel(1, "user", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="takes no id"):
        Channel(1, "queue", 1)


def test_history_keys_share_a_hash_tag_and_differ() -> None:
    channel = names.ticket(7, 42)
    keys = [
        names.history_key(channel),
        names.epoch_key(channel),
        names.offset_key(channel),
        names.history_bytes_key(channel),
    ]
    assert keys == [
        "{parley:org:7:ticket:42}:history",
        "{parley:org:7:ticket:42}:epoch",
        "{parley:org:7:ticket:42}:offset",
        "{parley:org:7:ticket:42}:history:bytes",
    ]
    # The channel key is accepted in place of the channel.
    assert names.history_key(channel.key) == keys[0]
    assert names.epoch_key(channel.key) == keys[1]
    assert names.offset_key(channel.key) == keys[2]
    assert names.history_bytes_key(channel.key) == keys[3]


@pytest.mark.parametrize(
    "key",
    [
        "",
        "ticket:1",
        "parley:org:0:ticket:1",
        "parley:org:07:ticket:1",
        "parley:org:x:queue",
        "parley:org:1:ticket:01",
        "parley:org:1:ticket:1:history",
        "{parley:org:1:ticket:1}:history",
        "parley:org:1:queue ",
        "other:org:1:queue",
    ],
)
def test_from_key_rejects(key: str) -> None:
    with pytest.raises(ValueError, match="invalid channel"):
        names.from_key(key)
    with pytest.raises(ValueError, match="invalid channel"):
        names.history_key(key)


def test_presence_keys_share_the_channel_hash_tag() -> None:
    channel = names.ticket(7, 42)
    assert names.presence_key(channel) == "{parley:org:7:ticket:42}:presence"
    assert names.presence_expiry_key(channel.key) == "{parley:org:7:ticket:42}:presence:expiry"
    assert names.connection_channels_key("p1:3") == "parley:presence:connection:p1:3"
    with pytest.raises(ValueError):
        names.presence_key("parley:org:7:nonsense")
