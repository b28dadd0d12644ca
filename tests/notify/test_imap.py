"""Email in over IMAP, against a real Dovecot on loopback (tests/support/dovecot.py): messages
put in a mailbox with IMAP APPEND are read by the app's own scheduled poller and handed to the
same intake as the webhook — matched, stripped, deduplicated, pushed live — and marked handled
only after; a mailbox that fails records why and holds up no other organisation."""

from __future__ import annotations

import json
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.notify.inbound import InboundEmail
from server.notify.mailbox import InboundMailbox, SecretUnreadable, unseal
from tests.factories import Team, unique
from tests.notify.test_customer_emails import create, reply, text_of
from tests.notify.test_inbound import detail, mail
from tests.support.dovecot import Dovecot
from tests.support.live import LiveServer
from tests.support.smtp import MailCatcher
from tests.support.wait import wait_until
from tests.support.wsclient import session

PATH = "/api/org/inbound-mailbox"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "email-replies"
# The app polls each mailbox every second (tests/conftest.py); a poll takes milliseconds.
WITHIN = 20.0


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def connect(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, user: str, password: str,
    **fields: Any,
) -> dict[str, Any]:  # fmt: skip
    body = {
        "host": "127.0.0.1", "port": dovecot.port, "security": "none", "username": user,
        "password": password, **fields,
    }  # fmt: skip
    answer = await client.put(PATH, json=body, headers=team.admin_headers)
    assert answer.status_code == 200, answer.text
    out: dict[str, Any] = answer.json()
    return out


async def status(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    answer = await client.get(PATH, headers=team.admin_headers)
    assert answer.status_code == 200, answer.text
    out: dict[str, Any] = answer.json()["status"]
    return out


async def handled(client: httpx.AsyncClient, team: Team, uid: int) -> None:
    async def done() -> bool:
        return (await status(client, team))["lastUid"] >= uid

    await wait_until(done, within=WITHIN, what=f"UID {uid} handled")


@pytest.fixture
async def mailbox(dovecot: Dovecot) -> tuple[str, str]:
    return dovecot.add_user()


@pytest.fixture(autouse=True)
async def _forget_mailboxes() -> Any:
    # Mailboxes left behind would be polled every second for the rest of the session.
    yield
    await InboundMailbox.all().delete()


async def test_a_reply_lands_on_its_ticket_live_without_the_quote_then_is_marked_seen(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str],
    mail_catcher: MailCatcher, live_server: LiveServer,
) -> None:  # fmt: skip
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
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        await ws.subscribe(f"ticket:{ticket['id']}")
        await connect(client, team, dovecot, *mailbox)
        await dovecot.append(*mailbox, raw)
        frame = await ws.recv(within=WITHIN)
        while frame.get("event") != "ticket.response_added":
            frame = await ws.recv(within=WITHIN)
    assert frame["data"]["response"]["content"] == "Here it is, it smokes on the left."
    shown = await detail(client, team, ref)
    last = shown["ticket"]["responses"][-1]
    assert (last["authorType"], last["authorEmail"]) == ("EMAIL", customer)
    assert shown["ticket"]["status"] == "OPEN"
    await handled(client, team, 1)
    assert "\\Seen" in (await dovecot.flags(*mailbox))[1]
    state = await status(client, team)
    assert (state["lastError"], state["failures"], state["messagesFetched"]) == (None, 0, 1)
    assert state["lastSuccessAt"] is not None and state["uidValidity"] is not None


async def test_a_new_message_opens_a_ticket_from_email(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    person = f"{unique('nina')}@example.com"
    await connect(client, team, dovecot, *mailbox)
    await dovecot.append(*mailbox, mail(sender=f"Nina <{person}>", subject="Invoice missing"))
    await handled(client, team, 1)
    listed = (await client.get("/api/inbound-emails", headers=team.agent_headers)).json()
    (item,) = listed["items"]
    assert (item["status"], item["sender"]) == ("accepted", person)
    answer = await client.get(f"/api/tickets/{item['ticketId']}", headers=team.agent_headers)
    assert answer.status_code == 200, answer.text
    shown = answer.json()["ticket"]
    assert (shown["subject"], shown["description"]) == ("Invoice missing", "Hi")
    assert shown["metadata"] == {"source": "email"}
    assert shown["requesterEmail"] == person


async def test_the_same_message_twice_in_the_mailbox_makes_one_response(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    ticket = await create(client, team)
    raw = mail(sender=ticket["requesterEmail"], subject=f"Re: [{ticket['reference']}] again")
    await dovecot.append(*mailbox, raw)
    await dovecot.append(*mailbox, raw)
    await connect(client, team, dovecot, *mailbox)
    await handled(client, team, 2)
    assert len((await detail(client, team, ticket["reference"]))["ticket"]["responses"]) == 1
    assert await InboundEmail.filter(organization_id=team.org.id).count() == 1
    assert all("\\Seen" in line for line in (await dovecot.flags(*mailbox)).values())


async def test_a_strangers_subject_reference_does_not_reach_the_ticket(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    ticket = await create(client, team)
    ref = ticket["reference"]
    stranger = f"{unique('mallory')}@evil.example"
    await connect(client, team, dovecot, *mailbox)
    await dovecot.append(*mailbox, mail(sender=stranger, subject=f"Re: [{ref}] refund to me"))
    await handled(client, team, 1)
    assert (await detail(client, team, ref))["ticket"]["responses"] == []
    (item,) = (await client.get("/api/inbound-emails", headers=team.agent_headers)).json()["items"]
    assert item["status"] == "accepted" and item["ticketId"] != ticket["id"]


async def test_a_wrong_password_is_recorded_backs_off_and_holds_up_no_one(
    client: httpx.AsyncClient, team: Team, other_team: Team, dovecot: Dovecot
) -> None:
    broken_user, broken_password = dovecot.add_user()
    good = dovecot.add_user()
    await connect(client, team, dovecot, broken_user, "not-" + broken_password)
    await connect(client, other_team, dovecot, *good)

    async def failed_twice() -> bool:
        return (await status(client, team))["failures"] >= 2

    await wait_until(failed_twice, within=WITHIN, what="the broken mailbox failing")
    state = await status(client, team)
    assert "AUTHENTICATIONFAILED" in state["lastError"], state
    assert state["lastSuccessAt"] is None
    waited = datetime.fromisoformat(state["nextPollAt"]) - datetime.fromisoformat(
        state["lastErrorAt"]
    )
    assert waited.total_seconds() >= 2 ** state["failures"] - 0.5  # 1 s doubled per failure
    # Meanwhile the other organisation's mail keeps coming in.
    await dovecot.append(*good, mail(sender=f"{unique('olga')}@example.com", subject="Other"))
    await handled(client, other_team, 1)
    # The password never shows, in the answer or in the error.
    answer = await client.get(PATH, headers=team.admin_headers)
    assert broken_password not in answer.text
    # Fixed: read at once, the failures forgotten.
    await dovecot.append(broken_user, broken_password, mail(sender="p@example.com"))
    await connect(client, team, dovecot, broken_user, broken_password)
    await handled(client, team, 1)
    assert (await status(client, team))["failures"] == 0


async def test_a_crash_between_intake_and_marking_makes_one_response_after_restart(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    from server.accounts.models import Organization
    from server.notify import inbound
    from tests.notify.test_customer_emails import SECRET

    ticket = await create(client, team)
    raw = mail(sender=ticket["requesterEmail"], subject=f"Re: [{ticket['reference']}] crash")
    await dovecot.append(*mailbox, raw)
    # What a poller did before it died: it handed the message to the intake, and never got
    # to record UID 1 or flag it (the mailbox is disabled, so no poller reads it meanwhile).
    await connect(client, team, dovecot, *mailbox, enabled=False)
    org = await Organization.get(id=team.org.id)
    first = await inbound.receive(org, raw, secret_key=SECRET, mail_from="support@parley.test")
    assert first.email.status == "accepted"
    assert "\\Seen" not in (await dovecot.flags(*mailbox))[1]
    # Restarted: the mailbox is read again from the last UID recorded (none).
    again = await connect(client, team, dovecot, mailbox[0], mailbox[1], enabled=True)
    assert again["status"]["lastUid"] == 0
    await handled(client, team, 1)
    assert len((await detail(client, team, ticket["reference"]))["ticket"]["responses"]) == 1
    assert await InboundEmail.filter(organization_id=team.org.id).count() == 1
    assert "\\Seen" in (await dovecot.flags(*mailbox))[1]


@pytest.mark.parametrize("case", ["cases/talon__gmail.eml", "cases/talon__outlook.eml"])
async def test_a_real_world_reply_fetched_over_imap_keeps_only_what_was_written(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str], case: str
) -> None:
    if not (CORPUS / "manifest.json").is_file():
        pytest.skip(f"the email reply corpus is not at {CORPUS}")
    (expected,) = [
        c for c in json.loads((CORPUS / "manifest.json").read_text()) if c["file"] == case
    ]
    await connect(client, team, dovecot, *mailbox)
    await dovecot.append(*mailbox, (CORPUS / case).read_bytes())
    await handled(client, team, 1)
    (item,) = (await client.get("/api/inbound-emails", headers=team.agent_headers)).json()["items"]
    answer = await client.get(f"/api/tickets/{item['ticketId']}", headers=team.agent_headers)
    assert answer.json()["ticket"]["description"] == expected["expected"].strip()
    raw = await client.get(f"/api/inbound-emails/{item['id']}/raw", headers=team.agent_headers)
    assert raw.content.replace(b"\r\n", b"\n") == (CORPUS / case).read_bytes().replace(
        b"\r\n", b"\n"
    )


async def test_huge_and_malformed_messages_are_quarantined_and_passed(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    huge = EmailMessage()
    huge["From"] = f"{unique('big')}@example.com"
    huge["Subject"] = "The whole archive"
    huge["Message-ID"] = f"<{unique('huge')}@example.com>"
    huge.set_content("x" * 80 + "\n" * 1, subtype="plain")
    line = b"y" * 998 + b"\r\n"
    limit = 26_214_400  # PARLEY_INBOUND_EMAIL_MAX_BYTES's default, the session's
    raw_huge = huge.as_bytes().replace(b"\n", b"\r\n") + line * (limit // len(line) + 10)
    await dovecot.append(*mailbox, raw_huge)
    await dovecot.append(*mailbox, b"\x00\xff\xfe not a message at all \x80\r\n\r\n\xff")
    after = mail(sender=f"{unique('calm')}@example.com", subject="After the odd ones")
    await dovecot.append(*mailbox, after)
    await connect(client, team, dovecot, *mailbox)
    await handled(client, team, 3)
    listed = (await client.get("/api/inbound-emails", headers=team.agent_headers)).json()
    by_subject = {item["subject"]: item for item in listed["items"]}
    assert by_subject["The whole archive"]["status"] == "quarantined"
    assert "PARLEY_INBOUND_EMAIL_MAX_BYTES" in by_subject["The whole archive"]["reason"]
    assert by_subject["After the odd ones"]["status"] == "accepted"
    odd = [i for i in listed["items"] if i["subject"] not in by_subject or i["subject"] == ""]
    assert [i["status"] for i in odd] == ["quarantined"]
    assert (await status(client, team))["lastError"] is None


async def test_tls_and_starttls_are_verified_against_the_configured_ca(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str],
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    from server.notify import imap
    from tests.conftest import test_settings

    trusted = test_settings(database_url, tmp_path, IMAP_CA_FILE=str(dovecot.cert_file))
    plain = test_settings(database_url, tmp_path)
    for security, port in (("tls", dovecot.tls_port), ("starttls", dovecot.port)):
        await connect(client, team, dovecot, *mailbox, security=security, port=port,
                      host="localhost", enabled=False)  # fmt: skip
        box = await InboundMailbox.get(organization_id=team.org.id)
        opened, error = await imap.check(box, trusted)
        assert error is None and opened is not None, (security, error)
        opened, error = await imap.check(box, plain)
        assert opened is None and "CERTIFICATE_VERIFY_FAILED" in (error or ""), security
    # Dovecot saw both sign-ins over TLS (a plain one on loopback logs "secured" instead).
    logins = [line for line in dovecot.log(0).splitlines() if f"Login: user=<{mailbox[0]}>" in line]
    assert [", TLS," in line for line in logins] == [True, True], logins


async def test_the_connection_test_reports_success_and_failure(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    await dovecot.append(*mailbox, mail(sender="a@example.com"))
    await connect(client, team, dovecot, *mailbox, enabled=False)
    answer = await client.post(PATH + "/check", headers=team.admin_headers)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["ok"], answer.json()["messages"]) == (True, 1)
    await connect(client, team, dovecot, mailbox[0], "wrong", enabled=False)
    failed = (await client.post(PATH + "/check", headers=team.admin_headers)).json()
    assert failed["ok"] is False and "AUTHENTICATIONFAILED" in failed["error"]
    await connect(client, team, dovecot, *mailbox, folder="No Such Folder", enabled=False)
    failed = (await client.post(PATH + "/check", headers=team.admin_headers)).json()
    assert failed["ok"] is False and "No Such Folder" in failed["error"]
    # Nothing was read by the test.
    assert (await status(client, team))["lastUid"] == 0


async def test_settings_are_validated_admin_only_and_the_secret_write_only(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    base = {"host": "imap.example.com", "port": 993, "security": "tls", "username": "u"}
    cases = [
        ({**base}, 422),  # no password or token for a new mailbox
        ({**base, "password": "p", "accessToken": "t"}, 422),
        ({**base, "security": "none", "password": "p"}, 422),  # only on loopback
        ({**base, "port": 0, "password": "p"}, 422),
        ({**base, "host": "bad host\r\n", "password": "p"}, 422),
        ({**base, "folder": "Posteingang/Ü", "password": "p"}, 422),
        ({**base, "password": "p", "extra": 1}, 422),
    ]
    for body, code in cases:
        answer = await client.put(PATH, json=body, headers=team.admin_headers)
        assert answer.status_code == code, (body, answer.text)
        assert answer.json()["error"]["code"]
    assert (await client.get(PATH, headers=team.admin_headers)).status_code == 404
    forbidden = await client.put(PATH, json={**base, "password": "p"}, headers=team.agent_headers)
    assert forbidden.status_code == 403
    token = "ya29." + unique("token")
    made = await client.put(PATH, json={**base, "accessToken": token}, headers=team.admin_headers)
    assert made.status_code == 200, made.text
    assert token not in made.text and made.json()["auth"] == "oauth2"
    row = await InboundMailbox.get(organization_id=team.org.id)
    assert token not in row.secret
    secret_key = client._transport.app.state.parley.settings.secret_key  # type: ignore[attr-defined]
    assert unseal(secret_key, team.org.id, row.secret) == token
    with pytest.raises(SecretUnreadable):
        unseal(secret_key, other_team.org.id, row.secret)  # sealed to its organisation
    with pytest.raises(SecretUnreadable):
        unseal("another-key-" + "z" * 40, team.org.id, row.secret)
    # Left out: the stored token is kept.
    kept = await client.put(PATH, json={**base, "enabled": False}, headers=team.admin_headers)
    assert kept.status_code == 200 and kept.json()["auth"] == "oauth2"
    assert (await client.get(PATH, headers=other_team.admin_headers)).status_code == 404
    # A password is kept exactly, spaces and all.
    spaced = await client.put(PATH, json={**base, "password": " p w "}, headers=team.admin_headers)
    assert spaced.status_code == 200 and spaced.json()["auth"] == "password"
    row = await InboundMailbox.get(organization_id=team.org.id)
    assert unseal(secret_key, team.org.id, row.secret) == " p w "
    gone = await client.delete(PATH, headers=team.admin_headers)
    assert gone.status_code == 204
    assert (await client.delete(PATH, headers=team.admin_headers)).status_code == 404


async def test_customer_emails_invite_a_reply_once_a_mailbox_is_read(
    client: httpx.AsyncClient, team: Team, dovecot: Dovecot, mailbox: tuple[str, str],
    mail_catcher: MailCatcher,
) -> None:  # fmt: skip
    invite = "Reply to this email to add to your request."
    before = await create(client, team)
    (message,) = await mail_catcher.wait_for(before["requesterEmail"], 1)
    assert invite not in text_of(message)
    await connect(client, team, dovecot, *mailbox)
    after = await create(client, team)
    (message,) = await mail_catcher.wait_for(after["requesterEmail"], 1)
    assert invite in text_of(message)
