"""Where files go and when they leave: shared bytes, ticket deletion (durable, through a
failure), the orphan sweep, email-in attachments and the separate download origin."""

from __future__ import annotations

import io
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.attachments import retention, service
from server.attachments.models import Attachment, AttachmentBlob
from server.attachments.storage import LocalStorage, Storage
from server.attachments.upload import ReceivedFile
from server.events.deliveries import Delivery, retry_delivery
from tests.attachments.test_routes import PDF, png, uploaded
from tests.factories import Team, make_ticket, start_chat, unique, visitor_session
from tests.notify.test_inbound import deliver
from tests.support.smtp import MailCatcher
from tests.support.wait import wait_until


def storage_of(app: Starlette) -> Storage:
    storage: Storage = app.state.parley.storage
    return storage


def stored_files(app: Starlette) -> set[str]:
    storage = storage_of(app)
    assert isinstance(storage, LocalStorage)
    return {str(p.relative_to(storage.root)) for p in Path(storage.root).rglob("*") if p.is_file()}


async def blob_key_of(attachment_id: int) -> str:
    attachment = await Attachment.get(id=attachment_id)
    return (await attachment.blob).key


async def test_the_same_bytes_twice_share_one_stored_copy(
    client: httpx.AsyncClient, team: Team, other_team: Team, app: Starlette
) -> None:
    data = png(colour="blue") + b""
    (first,) = await uploaded(client, team.agent_headers, ("a.png", data))
    (second,) = await uploaded(client, team.admin_headers, ("b.png", data))
    (elsewhere,) = await uploaded(client, other_team.agent_headers, ("c.png", data))
    assert first["id"] != second["id"]
    assert await blob_key_of(first["id"]) == await blob_key_of(second["id"])
    # Organisations never share bytes: each has its own copy under its own key.
    assert await blob_key_of(elsewhere["id"]) != await blob_key_of(first["id"])
    assert await blob_key_of(first["id"]) in stored_files(app)


async def attach_to_new_ticket(
    client: httpx.AsyncClient, team: Team, *files: tuple[str, bytes]
) -> tuple[int, list[dict[str, Any]]]:
    ticket = await make_ticket(team.agent_principal)
    attached = await uploaded(client, team.agent_headers, *files)
    reply = await client.post(
        f"/api/tickets/{ticket.ticket.id}/responses",
        json={"content": "files", "attachmentIds": [a["id"] for a in attached]},
        headers=team.agent_headers,
    )
    assert reply.status_code == 201, reply.text
    return ticket.ticket.id, attached


async def test_deleting_a_ticket_removes_its_files_even_after_a_failed_attempt(
    client: httpx.AsyncClient, team: Team, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    unique_bytes = unique("log").encode() * 10
    ticket_id, (image, log) = await attach_to_new_ticket(
        client, team, ("shot.png", png(colour="green")), ("x.txt", unique_bytes)
    )
    keys = {await blob_key_of(image["id"]), await blob_key_of(log["id"])}
    assert keys <= stored_files(app)

    storage = storage_of(app)
    real_delete = storage.delete
    failures: list[str] = []

    async def broken_delete(key: str) -> None:
        failures.append(key)
        raise OSError("the disk went away")

    monkeypatch.setattr(storage, "delete", broken_delete)
    gone = await client.delete(f"/api/tickets/{ticket_id}", headers=team.admin_headers)
    assert gone.status_code == 204, gone.text

    def failed() -> Any:
        return Delivery.filter(
            listener="attachments.ticket_deleted", organization_id=team.org.id,
            last_error__isnull=False,
        )  # fmt: skip

    async def has_failed() -> bool:
        return bool(await failed().exists())

    await wait_until(has_failed, within=10, what="the cleanup, failed once")
    pending = await failed().get()
    # The failure rolled its blob back: the files are still known, so the retry finds them.
    assert await Attachment.filter(ticket_id=ticket_id).count() >= 1
    monkeypatch.setattr(storage, "delete", real_delete)
    await retry_delivery(organization_id=team.org.id, delivery_id=pending.id)
    await wait_until(
        lambda: _none_left(ticket_id, keys, app), within=10, what="the ticket's files to go"
    )


async def _none_left(ticket_id: int, keys: set[str], app: Starlette) -> bool:
    rows = await Attachment.filter(ticket_id=ticket_id).exists()
    return not rows and not (keys & stored_files(app))


async def test_deleting_an_escalated_ticket_leaves_the_chats_files_with_the_chat(
    client: httpx.AsyncClient, team: Team, app: Starlette
) -> None:
    visitor = await visitor_session(client, team.org)
    chat = await start_chat(client, visitor)
    conversation_id = chat["conversation"]["id"]
    (shot,) = await uploaded(
        client, visitor["headers"], ("s.png", png(colour="yellow")), path="/api/embed/attachments"
    )
    sent = await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": "", "clientMessageId": unique("c"), "attachmentIds": [shot["id"]]},
        headers=visitor["headers"],
    )
    assert sent.status_code == 201
    escalated = await client.post(
        f"/api/tickets/from-chat/{conversation_id}", json={}, headers=team.agent_headers
    )
    ticket_id = escalated.json()["ticket"]["id"]
    assert (await Attachment.get(id=shot["id"])).ticket_id == ticket_id
    await client.delete(f"/api/tickets/{ticket_id}", headers=team.admin_headers)

    async def unlinked() -> bool:
        return (await Attachment.get(id=shot["id"])).ticket_id is None

    await wait_until(unlinked, within=10, what="the chat's file unlinked from the deleted ticket")
    assert await blob_key_of(shot["id"]) in stored_files(app)


async def test_uploads_never_attached_are_swept_and_their_bytes_with_them(
    client: httpx.AsyncClient, team: Team, app: Starlette
) -> None:
    (orphan,) = await uploaded(client, team.agent_headers, ("o.txt", unique("o").encode()))
    (fresh,) = await uploaded(client, team.agent_headers, ("f.txt", unique("f").encode()))
    orphan_key = await blob_key_of(orphan["id"])
    long_ago = service.now() - timedelta(days=2)
    await Attachment.filter(id=orphan["id"]).update(created_at=long_ago)
    await AttachmentBlob.filter(key=orphan_key).update(claimed_at=long_ago)

    await retention.sweep_orphans(storage=storage_of(app), older_than=timedelta(hours=24))
    assert not await Attachment.exists(id=orphan["id"])
    assert orphan_key not in stored_files(app)
    assert await Attachment.exists(id=fresh["id"])
    assert await blob_key_of(fresh["id"]) in stored_files(app)


async def test_a_blob_released_mid_upload_is_stored_again(
    client: httpx.AsyncClient, team: Team, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release that takes a blob between an upload's claim and its record does not leave
    the new attachment pointing at nothing: the upload stores the bytes again."""
    data = unique("race").encode() * 50
    (first,) = await uploaded(client, team.agent_headers, ("r.txt", data))
    await Attachment.filter(id=first["id"]).delete()
    await AttachmentBlob.filter(key=await _key_for(team, data)).update(
        claimed_at=service.now() - timedelta(days=1)
    )
    real_record = service._record
    raced: list[bool] = []

    async def record_after_a_release(*args: Any) -> Any:
        if not raced:
            raced.append(True)
            await retention.release_unused_blobs(storage_of(app), grace=timedelta(0))
        return await real_record(*args)

    monkeypatch.setattr(service, "_record", record_after_a_release)
    (second,) = await uploaded(client, team.agent_headers, ("r.txt", data))
    key = await blob_key_of(second["id"])
    assert key in stored_files(app)
    opened = await client.get(f"/api/attachments/{second['id']}", headers=team.agent_headers)
    assert opened.content == data


async def _key_for(team: Team, data: bytes) -> str:
    import hashlib

    return f"{team.org.id}/{hashlib.sha256(data).hexdigest()}"


def email_with_files(sender: str, files: list[tuple[str, str, bytes]], **headers: str) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = "support@parley.test"
    message["Subject"] = headers.pop("subject", "Printer broken")
    message["Message-ID"] = f"<{unique('m')}@mail.example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("It does not print. Photo attached.")
    for filename, mime, data in files:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


async def test_an_emails_files_land_on_what_it_creates_and_refused_ones_are_named(
    client: httpx.AsyncClient, team: Team, secret: str
) -> None:
    photo = png(colour="purple")
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    raw = email_with_files(
        f"Carla <{unique('carla')}@example.com>",
        [("photo.png", "image/png", photo), ("invoice.pdf", "application/pdf", PDF),
         ("page.html", "text/html", html)],
    )  # fmt: skip
    result = await deliver(client, team, secret, raw)
    assert result["status"] == "accepted", result
    detail = await client.get(f"/api/tickets/{result['reference']}", headers=team.agent_headers)
    ticket = detail.json()["ticket"]
    assert [(a["filename"], a["contentType"]) for a in ticket["attachments"]] == [
        ("photo.png", "image/png"), ("invoice.pdf", "application/pdf"),
    ]  # fmt: skip
    created = ticket["activity"][0]["description"]
    assert "page.html" in created and "not kept" in created
    got = await client.get(
        f"/api/attachments/{ticket['attachments'][0]['id']}", headers=team.agent_headers
    )
    assert got.content == photo

    # A reply by email with a file: the file is on that reply.
    reply = email_with_files(
        ticket["requesterEmail"], [("second.pdf", "application/pdf", PDF + b"%2")],
        subject=f"Re: [{result['reference']}] Printer broken",
    )  # fmt: skip
    answered = await deliver(client, team, secret, reply)
    assert answered["reference"] == result["reference"]
    detail = await client.get(f"/api/tickets/{result['reference']}", headers=team.agent_headers)
    last = detail.json()["ticket"]["responses"][-1]
    assert [a["filename"] for a in last["attachments"]] == ["second.pdf"]


async def test_with_a_download_origin_links_point_there_and_files_are_served_only_there(
    client: httpx.AsyncClient, team: Team, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    state = app.state.parley
    settings = dataclasses.replace(
        state.settings, attachment_download_origin="http://files.parley.test"
    )
    monkeypatch.setattr(state, "settings", settings)
    (pdf,) = await uploaded(client, team.agent_headers, ("a.pdf", PDF))
    link = (
        await client.post(f"/api/attachments/{pdf['id']}/link", headers=team.agent_headers)
    ).json()
    assert link["url"].startswith(f"http://files.parley.test/files/{pdf['id']}/a.pdf?sig=")
    path = link["url"].removeprefix("http://files.parley.test")
    on_parley = await client.get(path)
    assert on_parley.status_code == 404
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://files.parley.test") as c:
        served = await c.get(path)
    assert served.status_code == 200 and served.content == PDF
    assert io.BytesIO(served.content).read(4) == b"%PDF"


async def test_uploads_thumbnails_and_the_sweep_work_on_s3_storage(
    app: Starlette, team: Team, s3_storage: Storage, tmp_path: Path
) -> None:
    """The S3 backend under the service (moto's server on loopback): bytes and thumbnail go
    to the bucket, read back whole, and leave it with the sweep."""
    import hashlib

    data = png(300, 200, "orange")
    path = tmp_path / "upload"
    path.write_bytes(data)
    received = ReceivedFile(
        filename="photo.png", declared_type="image/png", path=path, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    uploader = service.Uploader(team.org.id, f"agent:{team.agent.id}", "Bob")
    (row,) = await service.store_uploads(uploader=uploader, received=[received], storage=s3_storage)
    blob = await row.blob
    assert row.image and row.thumbnail and blob.thumbnail_key
    assert b"".join([c async for c in s3_storage.read(blob.key)]) == data
    assert await s3_storage.exists(blob.thumbnail_key)

    long_ago = service.now() - timedelta(days=2)
    await Attachment.filter(id=row.id).update(created_at=long_ago)
    await AttachmentBlob.filter(id=blob.id).update(claimed_at=long_ago)
    await retention.sweep_orphans(storage=s3_storage, older_than=timedelta(hours=24))
    assert not await s3_storage.exists(blob.key)
    assert not await s3_storage.exists(blob.thumbnail_key)


async def test_the_customers_email_about_a_reply_names_its_files(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    """Names and sizes only: the bytes stay behind the (expiring) tracking link."""
    customer = f"{unique('rita')}@example.com"
    created = await client.post(
        "/api/tickets",
        json={"requesterEmail": customer, "subject": "Broken", "description": "It is."},
        headers=team.agent_headers,
    )
    reference = created.json()["ticket"]["reference"]
    (manual,) = await uploaded(client, team.agent_headers, ("manual.pdf", PDF))
    reply = await client.post(
        f"/api/tickets/{reference}/responses",
        json={"content": "", "attachmentIds": [manual["id"]]},
        headers=team.agent_headers,
    )
    assert reply.status_code == 201
    _, about_the_reply = await mail_catcher.wait_for(customer, 2)
    text = about_the_reply.get_body(("plain",))
    html = about_the_reply.get_body(("html",))
    assert text is not None and html is not None
    assert f"manual.pdf ({len(PDF):,} bytes)" in text.get_content()
    assert "manual.pdf" in html.get_content()
    assert not any(part.get_filename() for part in about_the_reply.walk())


async def test_the_sweep_reaches_unused_bytes_behind_any_number_of_used_ones(
    client: httpx.AsyncClient, team: Team, app: Starlette
) -> None:
    """Blobs still in use never fill the sweep's batch: it looks only at unused ones."""
    used = await uploaded(
        client, team.agent_headers, *[(f"u{n}.txt", unique(f"used{n}").encode()) for n in range(3)]
    )
    (gone,) = await uploaded(client, team.agent_headers, ("g.txt", unique("gone").encode()))
    gone_key = await blob_key_of(gone["id"])
    await Attachment.filter(id=gone["id"]).delete()
    long_ago = service.now() - timedelta(days=2)
    await AttachmentBlob.filter(organization_id=team.org.id).update(claimed_at=long_ago)

    await retention.release_unused_blobs(storage_of(app), batch=2)
    assert gone_key not in stored_files(app)
    for file in used:
        assert await blob_key_of(file["id"]) in stored_files(app)
