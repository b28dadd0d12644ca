"""Email in through `POST /api/webhooks/email`: signed deliveries only, matched to the right
ticket (and never to a stranger's), quotes stripped, duplicates once, auto-replies never
answered, and what cannot be used quarantined with its bytes kept."""

from __future__ import annotations

import hashlib
import hmac
import time
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import httpx
import pytest

from server.notify.inbound import strip_quotes
from tests.factories import Team, unique
from tests.notify.test_customer_emails import create, move, reply
from tests.support.smtp import MailCatcher


def mail(
    *, sender: str, to: str = "support@parley.test", subject: str = "Hello", body: str = "Hi",
    **headers: str,
) -> bytes:  # fmt: skip
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{unique('m')}@mail.example.com>"
    for name, value in headers.items():
        del message[name.replace("_", "-")]
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def signed(secret: str, raw: bytes, *, at: int | None = None) -> dict[str, str]:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Parley-Timestamp": str(at), "X-Parley-Signature": f"sha256={digest}"}


async def post(
    client: httpx.AsyncClient, team: Team, raw: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        "/api/webhooks/email",
        content=raw,
        headers={
            "Content-Type": "message/rfc822", "X-Parley-Organization": team.org.slug, **headers,
        },
    )  # fmt: skip


async def deliver(client: httpx.AsyncClient, team: Team, secret: str, raw: bytes) -> dict[str, Any]:
    answer = await post(client, team, raw, signed(secret, raw))
    assert answer.status_code == 202, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def detail(client: httpx.AsyncClient, team: Team, ref: str) -> dict[str, Any]:
    answer = await client.get(f"/api/tickets/{ref}", headers=team.agent_headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_reply_to_a_ticket_email_lands_on_its_ticket_without_the_quote(
    client: httpx.AsyncClient, team: Team, secret: str, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team)
    ref, customer = ticket["reference"], ticket["requesterEmail"]
    await reply(client, team, ref, "Could you send a photo?", statusChange="WAITING_ON_CUSTOMER")
    _, asked = await mail_catcher.wait_for(customer, 2)
    raw = mail(
        sender=f"Rita Requester <{customer}>", to=asked["Reply-To"],
        subject=f"Re: {asked['Subject']}", In_Reply_To=asked["Message-ID"],
        body="Here it is, it smokes on the left.\n\nOn Mon, 7 Dec 2026 at 10:00, Acme wrote:\n"
        "> Could you send a photo?\n",
    )  # fmt: skip
    result = await deliver(client, team, secret, raw)
    assert (result["status"], result["reference"], result["duplicate"]) == (
        "accepted", ref, False,
    )  # fmt: skip
    shown = await detail(client, team, ref)
    last = shown["ticket"]["responses"][-1]
    assert (last["authorType"], last["content"]) == ("EMAIL", "Here it is, it smokes on the left.")
    assert last["authorEmail"] == customer
    assert shown["ticket"]["status"] == "OPEN"  # back in the agents' court
    # The customer's own reply is not emailed back to them.
    await reply(client, team, ref, "Thanks, replacing it.")
    assert len(await mail_catcher.wait_for(customer, 3)) == 3


async def test_threading_headers_alone_find_the_ticket_and_forged_ones_do_not(
    client: httpx.AsyncClient, team: Team, secret: str, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team)
    (first,) = await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    threaded = mail(
        sender=ticket["requesterEmail"], subject="no reference here",
        References=f"<CAx@mail.gmail.com> {first['Message-ID']}",
    )  # fmt: skip
    assert (await deliver(client, team, secret, threaded))["reference"] == ticket["reference"]
    forged_id = first["Message-ID"].replace(".created.", ".r1.")
    forged = mail(sender=f"{unique('mallory')}@evil.example", In_Reply_To=forged_id)
    result = await deliver(client, team, secret, forged)
    assert result["reference"] != ticket["reference"]


async def test_a_subject_reference_counts_only_from_the_requester(
    client: httpx.AsyncClient, team: Team, secret: str
) -> None:
    ticket = await create(client, team)
    ref = ticket["reference"]
    stranger = mail(sender=f"{unique('mallory')}@evil.example", subject=f"Re: [{ref}] refund")
    hijack = await deliver(client, team, secret, stranger)
    assert hijack["reference"] != ref  # a new ticket of the stranger's own
    assert (await detail(client, team, ref))["ticket"]["responses"] == []
    own = mail(sender=ticket["requesterEmail"].upper(), subject=f"Re: [{ref}] more details")
    assert (await deliver(client, team, secret, own))["reference"] == ref


async def test_a_new_sender_opens_a_ticket_and_is_told_but_an_auto_reply_is_not(
    client: httpx.AsyncClient, team: Team, secret: str, mail_catcher: MailCatcher
) -> None:
    person = f"{unique('nina')}@example.com"
    result = await deliver(
        client, team, secret, mail(sender=f"Nina <{person}>", subject="Invoice missing")
    )
    shown = await detail(client, team, result["reference"])
    assert shown["ticket"]["subject"] == "Invoice missing"
    assert shown["ticket"]["metadata"] == {"source": "email"}
    assert shown["ticket"]["requesterEmail"] == person
    (told,) = await mail_catcher.wait_for(person, 1)
    assert told["Subject"] == f"[{result['reference']}] Invoice missing"
    robot = f"{unique('robot')}@example.com"
    away = mail(sender=robot, subject="Out of office", Auto_Submitted="auto-replied")
    opened = await deliver(client, team, secret, away)
    await move(client, team, opened["reference"], "IN_PROGRESS")
    await mail_catcher.wait_for(person, 1)
    listed = await client.get("/api/inbound-emails", headers=team.agent_headers)
    assert listed.json()["items"][0]["automatic"] is True
    assert mail_catcher.messages_to(robot) == []


async def test_the_same_message_twice_makes_one_reply_and_a_signature_works_once(
    client: httpx.AsyncClient, team: Team, secret: str
) -> None:
    ticket = await create(client, team)
    raw = mail(sender=ticket["requesterEmail"], subject=f"[{ticket['reference']}] again")
    headers = signed(secret, raw)
    first = await post(client, team, raw, headers)
    assert first.status_code == 202
    replayed = await post(client, team, raw, headers)
    assert replayed.status_code == 409, replayed.text
    # The provider retries a second later, signed anew.
    again = await post(client, team, raw, signed(secret, raw, at=int(time.time()) + 1))
    assert again.status_code == 202, again.text
    resent = again.json()
    assert resent["duplicate"] is True and resent["id"] == first.json()["id"]
    assert len((await detail(client, team, ticket["reference"]))["ticket"]["responses"]) == 1


async def test_unsigned_stale_or_foreign_deliveries_are_refused(
    client: httpx.AsyncClient, team: Team, other_team: Team, secret: str
) -> None:
    raw = mail(sender="someone@example.com")
    # Ten seconds past the five-minute window either side, so a slow run (a second going by
    # between here and the server's clock) cannot bring "+301 s" back inside it.
    now = int(time.time())
    cases = [
        ({}, 401),
        ({"X-Parley-Timestamp": str(now), "X-Parley-Signature": "sha256=" + "0" * 64}, 401),
        (signed("another secret", raw), 401),
        (signed(secret, raw, at=now - 310), 401),
        (signed(secret, raw, at=now + 310), 401),
        ({**signed(secret, raw), "X-Parley-Organization": other_team.org.slug}, 401),
        ({**signed(secret, raw), "X-Parley-Organization": "no-such-org"}, 401),
        ({**signed(secret, raw), "Content-Type": "text/plain"}, 415),
    ]
    for headers, status in cases:
        answer = await post(client, team, raw, headers)
        assert answer.status_code == status, (headers, answer.text)
    listed = await client.get("/api/inbound-emails", headers=team.agent_headers)
    assert listed.json()["items"] == []


async def test_unusable_mail_is_quarantined_and_kept_byte_for_byte(
    client: httpx.AsyncClient, team: Team, secret: str
) -> None:
    raw = b"Subject: no sender at all\r\nMessage-ID: <q1@x>\r\n\r\nWho am I?\r\n"
    result = await deliver(client, team, secret, raw)
    assert (result["status"], result["ticketId"]) == ("quarantined", None)
    assert "From" in result["reason"]
    listed = await client.get("/api/inbound-emails?status=quarantined", headers=team.agent_headers)
    (item,) = listed.json()["items"]
    original = await client.get(f"/api/inbound-emails/{item['id']}/raw", headers=team.agent_headers)
    assert original.content == raw
    assert original.headers["content-type"].startswith("message/rfc822")
    assert original.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"From: a@example.com\r\nSubject: html\r\nContent-Type: text/html\r\n\r\n"
            b"<p>Printer <b>broken</b></p><script>alert(1)</script><p>Please help</p>",
            "Printer broken\n\nPlease help",
        ),
        (
            b"From: a@example.com\r\nSubject: latin\r\nContent-Type: text/plain; charset=iso-8859-1"
            b"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe aus K=F6ln",
            "Grüße aus Köln",
        ),
        (
            b"From: a@example.com\r\nSubject: odd\r\nContent-Type: text/plain; charset=x-klingon"
            b"\r\n\r\nqapla'",
            "qapla'",
        ),
    ],
)
async def test_html_charsets_and_odd_encodings_become_text(
    client: httpx.AsyncClient, team: Team, secret: str, raw: bytes, expected: str
) -> None:
    result = await deliver(client, team, secret, raw)
    assert result["status"] == "accepted", result
    shown = await detail(client, team, result["reference"])
    assert shown["ticket"]["description"] == expected


async def test_a_reply_to_a_closed_ticket_opens_a_follow_up(
    client: httpx.AsyncClient, team: Team, secret: str
) -> None:
    ticket = await create(client, team)
    await move(client, team, ticket["reference"], "CLOSED")
    raw = mail(sender=ticket["requesterEmail"], subject=f"Re: [{ticket['reference']}] again")
    result = await deliver(client, team, secret, raw)
    assert result["reference"] != ticket["reference"]
    assert (await detail(client, team, ticket["reference"]))["ticket"]["responses"] == []


async def test_customer_emails_invite_a_reply_once_replies_can_come_in(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    before = await create(client, team)
    (message,) = await mail_catcher.wait_for(before["requesterEmail"], 1)
    assert "Reply to this email" not in message.get_body(("plain",)).get_content()
    made = await client.post("/api/org/inbound-email-secret", headers=team.admin_headers)
    assert made.status_code == 200
    after = await create(client, team)
    (message,) = await mail_catcher.wait_for(after["requesterEmail"], 1)
    assert (
        "Reply to this email to add to your request." in message.get_body(("plain",)).get_content()
    )


async def test_a_flood_from_one_sender_is_quarantined_not_lost(
    client: httpx.AsyncClient, team: Team
) -> None:
    from server.accounts.models import Organization
    from server.notify import inbound

    org = await Organization.get(id=team.org.id)
    sender = f"{unique('loop')}@example.com"
    outcomes = [
        await inbound.receive(
            org,
            mail(sender=sender, subject=f"Loop {n}"),
            secret_key="s" * 40,
            mail_from="support@parley.test",
            per_sender_per_hour=2,
        )
        for n in range(3)
    ]
    assert [o.email.status for o in outcomes] == ["accepted", "accepted", "quarantined"]
    assert "2 messages from this sender" in (outcomes[2].email.reason or "")
    other = await inbound.receive(
        org, mail(sender=f"{unique('calm')}@example.com"), secret_key="s" * 40,
        mail_from="support@parley.test", per_sender_per_hour=2,
    )  # fmt: skip
    assert other.email.status == "accepted"


async def test_a_long_references_chain_still_finds_the_ticket(
    client: httpx.AsyncClient, team: Team, secret: str, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team)
    (first,) = await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    others = " ".join(f"<{unique('older')}@mail.example.com>" for _ in range(40))
    assert len(others) > 1000
    raw = mail(
        sender=f"{unique('colleague')}@example.com", subject="fwd",
        References=f"{others} {first['Message-ID']}",
    )  # fmt: skip
    assert (await deliver(client, team, secret, raw))["reference"] == ticket["reference"]


async def test_a_message_whose_processing_died_is_finished_by_its_next_delivery(
    client: httpx.AsyncClient, team: Team, secret: str
) -> None:
    from datetime import timedelta

    from tortoise import timezone

    from server.notify.inbound import InboundEmail

    raw = mail(sender=f"{unique('rita')}@example.com", subject="Half-way")
    first = await deliver(client, team, secret, raw)
    # As if the request had died right after keeping it: still `received`, a while ago.
    await InboundEmail.filter(id=first["id"]).update(
        status="received", ticket_id=None, received_at=timezone.now() - timedelta(minutes=3)
    )
    again = await post(client, team, raw, signed(secret, raw, at=int(time.time()) + 1))
    assert again.status_code == 202, again.text
    assert (again.json()["id"], again.json()["status"]) == (first["id"], "accepted")
    assert again.json()["duplicate"] is False and again.json()["reference"]
    # One being processed right now is left to the request processing it.
    await InboundEmail.filter(id=first["id"]).update(status="received")
    third = await post(client, team, raw, signed(secret, raw, at=int(time.time()) + 2))
    assert (third.json()["duplicate"], third.json()["status"]) == (True, "received")


def test_stripping_keeps_the_customers_layout_and_drops_what_they_did_not_write() -> None:
    quote = "\n\nOn Mon, 7 Dec 2026 at 10:00, Acme wrote:\n> How can we help?\n"
    listed = "Steps:\n\n   - unplug it\n   - wait\n\n    code stays indented"
    assert strip_quotes(listed + quote) == listed
    assert strip_quotes("It works now.\n\nSent from my iPhone" + quote) == "It works now."
    assert strip_quotes("Thanks!\n\n------------------------------" + quote) == "Thanks!"
    assert strip_quotes("See you.\n\n--\nRick\nAcme Ltd" + quote) == "See you."
    # Not a client's line, and not a short signature: the customer's own words stay.
    kept = "Sent from my desk, is much easier than my phone."
    assert strip_quotes(kept + quote) == kept
    long_tail = "a -- b\n--\n" + "\n".join(f"line {n}" for n in range(6))
    assert strip_quotes(long_tail + quote) == long_tail
