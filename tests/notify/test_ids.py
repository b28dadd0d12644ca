"""Signed Message-IDs and reply-to tags: Parley reads back only what it made, for the ticket
it made it for."""

from __future__ import annotations

import pytest

from server.notify.ids import EmailIds, MessageRef

ids = EmailIds("k" * 40, "support@help.example.com")


def test_a_message_id_names_its_ticket_and_part_and_reads_back() -> None:
    made = ids.message_id(3, 42, "r17")
    assert made.startswith("<parley.3.42.r17.") and made.endswith("@help.example.com>")
    assert ids.read_message_id(made) == MessageRef(3, 42, "r17")
    assert ids.read_message_id(made.strip("<>")) == MessageRef(3, 42, "r17")
    assert ids.read_message_id(f"  {ids.message_id(3, 42, 'created')} ") == MessageRef(
        3, 42, "created"
    )


@pytest.mark.parametrize(
    "forged",
    [
        # Another ticket's number under this ticket's signature.
        lambda made: made.replace(".42.", ".43."),
        # Another organisation.
        lambda made: made.replace("<parley.3.", "<parley.4."),
        # A flipped signature digit.
        lambda made: made[:-20] + ("0" if made[-20] != "0" else "1") + made[-19:],
        # Someone else's key.
        lambda made: EmailIds("o" * 40, "support@help.example.com").message_id(3, 42, "r17"),
        lambda made: "<CAJx9k@mail.gmail.com>",
        lambda made: "",
    ],
)
def test_a_forged_or_foreign_message_id_reads_as_nothing(forged: object) -> None:
    made = ids.message_id(3, 42, "r17")
    assert ids.read_message_id(forged(made)) is None  # type: ignore[operator]


def test_a_reply_address_tags_the_ticket_for_its_organisation_only() -> None:
    address = ids.reply_address(3, 42)
    assert address.startswith("support+t42.") and address.endswith("@help.example.com")
    assert ids.read_reply_address(3, address) == 42
    assert ids.read_reply_address(3, address.upper()) == 42  # some servers upper-case
    assert ids.read_reply_address(4, address) is None
    assert ids.read_reply_address(3, address.replace("+t42.", "+t43.")) is None
    assert ids.read_reply_address(3, address.replace("help.example.com", "evil.example")) is None
    assert ids.read_reply_address(3, "support@help.example.com") is None
    assert ids.read_reply_address(3, "other+t42.0000000000000000@help.example.com") is None


def test_the_sending_address_must_be_an_address() -> None:
    with pytest.raises(ValueError):
        EmailIds("k" * 40, "not-an-address")
