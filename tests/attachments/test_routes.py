"""Uploading, attaching and downloading files through the API: agents, the widget, links."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from PIL import Image
from starlette.applications import Starlette

from tests.factories import Team, make_ticket, start_chat, visitor_session

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png(width: int = 40, height: int = 30, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *files: tuple[str, bytes],
    path: str = "/api/attachments",
) -> httpx.Response:
    return await client.post(
        path, headers=headers, files=[("file", (name, data)) for name, data in files]
    )


async def uploaded(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *files: tuple[str, bytes],
    path: str = "/api/attachments",
) -> list[dict[str, Any]]:
    response = await upload(client, headers, *files, path=path)
    assert response.status_code == 201, response.text
    return list(response.json()["attachments"])


async def open_link(client: httpx.AsyncClient, link: dict[str, Any], **kw: Any) -> httpx.Response:
    return await client.get(link["url"].removeprefix("http://testserver"), **kw)


async def test_an_agent_uploads_files_and_replies_with_them(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.agent_principal)
    image, pdf = await uploaded(
        client, team.agent_headers, ("screen shot.png", png()), ("invoice.pdf", PDF)
    )
    assert image["contentType"] == "image/png" and image["image"] is True
    assert (image["width"], image["height"]) == (40, 30)
    assert image["thumbnailUrl"] == f"/api/attachments/{image['id']}/thumbnail"
    assert pdf["contentType"] == "application/pdf" and pdf["image"] is False
    assert pdf["thumbnailUrl"] is None and pdf["size"] == len(PDF)

    reply = await client.post(
        f"/api/tickets/{ticket.ticket.id}/responses",
        json={"content": "", "attachmentIds": [image["id"], pdf["id"]]},
        headers=team.agent_headers,
    )
    assert reply.status_code == 201, reply.text
    files = reply.json()["response"]["attachments"]
    assert [f["filename"] for f in files] == ["screen shot.png", "invoice.pdf"]
    assert {f["responseId"] for f in files} == {reply.json()["response"]["id"]}

    detail = await client.get(f"/api/tickets/{ticket.ticket.id}", headers=team.agent_headers)
    assert [f["id"] for f in detail.json()["ticket"]["responses"][0]["attachments"]] == [
        image["id"],
        pdf["id"],
    ]

    thumb = await client.get(image["thumbnailUrl"], headers=team.agent_headers)
    assert thumb.status_code == 200 and thumb.headers["content-type"] in ("image/png", "image/jpeg")
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320


async def test_a_reply_needs_text_or_files(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await make_ticket(team.agent_principal)
    response = await client.post(
        f"/api/tickets/{ticket.ticket.id}/responses",
        json={"content": "  "},
        headers=team.agent_headers,
    )
    assert response.status_code == 422
    assert "content" in response.json()["error"]["fields"]


async def test_downloads_carry_the_safety_headers_and_honour_a_range(
    client: httpx.AsyncClient, team: Team
) -> None:
    (pdf,) = await uploaded(client, team.agent_headers, ("a.pdf", PDF))
    whole = await client.get(f"/api/attachments/{pdf['id']}", headers=team.agent_headers)
    assert whole.status_code == 200 and whole.content == PDF
    assert whole.headers["content-type"] == "application/pdf"
    assert whole.headers["content-disposition"].startswith("attachment;")
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert whole.headers["content-security-policy"].startswith("sandbox")
    part = await client.get(
        f"/api/attachments/{pdf['id']}", headers={**team.agent_headers, "Range": "bytes=5-9"}
    )
    assert part.status_code == 206 and part.content == PDF[5:10]
    assert part.headers["content-range"] == f"bytes 5-9/{len(PDF)}"
    beyond = await client.get(
        f"/api/attachments/{pdf['id']}", headers={**team.agent_headers, "Range": "bytes=999-"}
    )
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(PDF)}"
    (image,) = await uploaded(client, team.agent_headers, ("p.png", png()))
    shown = await client.get(f"/api/attachments/{image['id']}", headers=team.agent_headers)
    assert shown.headers["content-disposition"].startswith("inline;")


async def test_a_refused_type_names_the_file_and_stores_nothing(
    client: httpx.AsyncClient, team: Team
) -> None:
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    response = await upload(client, team.agent_headers, ("ok.pdf", PDF), ("photo.png", html))
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "file_type_not_allowed"
    assert error["file"] == "photo.png" and error["detectedType"] == "text/html"


async def test_a_signed_link_opens_the_file_until_it_is_tampered_with(
    client: httpx.AsyncClient, team: Team
) -> None:
    (pdf,) = await uploaded(client, team.agent_headers, ("report.pdf", PDF))
    link = await client.post(f"/api/attachments/{pdf['id']}/link", headers=team.agent_headers)
    assert link.status_code == 200
    opened = await open_link(client, link.json())
    assert opened.status_code == 200 and opened.content == PDF
    assert "report.pdf" in opened.headers["content-disposition"]
    tampered = link.json()["url"][:-2] + ("AA" if not link.json()["url"].endswith("AA") else "BB")
    refused = await open_link(client, {"url": tampered})
    assert refused.status_code == 401 and refused.json()["error"]["reason"] == "invalid"
    other = link.json()["url"].replace(f"/files/{pdf['id']}/", f"/files/{pdf['id'] + 1}/")
    assert (await open_link(client, {"url": other})).status_code == 401


async def test_another_organisation_sees_nothing(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    (pdf,) = await uploaded(client, team.agent_headers, ("a.pdf", PDF))
    for request in (
        client.get(f"/api/attachments/{pdf['id']}", headers=other_team.agent_headers),
        client.post(f"/api/attachments/{pdf['id']}/link", headers=other_team.agent_headers),
    ):
        assert (await request).status_code == 404
    ticket = await make_ticket(other_team.agent_principal)
    stolen = await client.post(
        f"/api/tickets/{ticket.ticket.id}/responses",
        json={"content": "mine now", "attachmentIds": [pdf["id"]]},
        headers=other_team.agent_headers,
    )
    assert stolen.status_code == 422


async def test_an_upload_is_attached_once_and_only_by_its_uploader(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.agent_principal)
    (pdf,) = await uploaded(client, team.agent_headers, ("a.pdf", PDF))
    path = f"/api/tickets/{ticket.ticket.id}/responses"
    by_admin = await client.post(
        path, json={"content": "x", "attachmentIds": [pdf["id"]]}, headers=team.admin_headers
    )
    assert by_admin.status_code == 422
    first = await client.post(
        path, json={"content": "x", "attachmentIds": [pdf["id"]]}, headers=team.agent_headers
    )
    assert first.status_code == 201
    again = await client.post(
        path, json={"content": "y", "attachmentIds": [pdf["id"]]}, headers=team.agent_headers
    )
    assert again.status_code == 422


async def test_a_customer_gets_public_files_but_never_an_internal_notes(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    chat = await start_chat(client, visitor)
    conversation_id = chat["conversation"]["id"]
    (mine,) = await uploaded(
        client, visitor["headers"], ("log.txt", b"error at line 3\n"), path="/api/embed/attachments"
    )
    assert set(mine) == {
        "id", "filename", "contentType", "size", "image", "width", "height", "thumbnail",
        "createdAt",
    }  # fmt: skip
    sent = await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": "", "clientMessageId": uuid.uuid4().hex, "attachmentIds": [mine["id"]]},
        headers=visitor["headers"],
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["message"]["attachments"][0]["filename"] == "log.txt"

    (secret,) = await uploaded(client, team.agent_headers, ("notes.pdf", PDF))
    (public,) = await uploaded(client, team.agent_headers, ("answer.png", png()))
    for file, internal in ((secret, True), (public, False)):
        posted = await client.post(
            f"/api/conversations/{conversation_id}/messages",
            json={
                "body": "see file", "clientMessageId": uuid.uuid4().hex,
                "isInternal": internal, "attachmentIds": [file["id"]],
            },
            headers=team.agent_headers,
        )  # fmt: skip
        assert posted.status_code == 201, posted.text
    messages = await client.get(
        f"/api/embed/conversations/{conversation_id}/messages", headers=visitor["headers"]
    )
    seen = [a["id"] for m in messages.json()["items"] for a in m["attachments"]]
    assert seen == [mine["id"], public["id"]]

    def embed(file: dict[str, Any], what: str) -> str:
        return f"/api/embed/attachments/{file['id']}/{what}"

    assert (await client.post(embed(secret, "link"), headers=visitor["headers"])).status_code == 404
    link = await client.post(embed(public, "link"), headers=visitor["headers"])
    assert link.status_code == 200
    assert (await open_link(client, link.json())).status_code == 200
    thumb = await client.get(embed(public, "thumbnail"), headers=visitor["headers"])
    assert thumb.status_code == 200

    stranger = await visitor_session(client, team.org)
    for file in (mine, public, secret):
        assert (
            await client.post(embed(file, "link"), headers=stranger["headers"])
        ).status_code == 404
    elsewhere = await visitor_session(client, other_team.org)
    assert (
        await client.post(embed(public, "link"), headers=elsewhere["headers"])
    ).status_code == 404


async def test_escalating_a_chat_links_its_files_to_the_ticket(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    chat = await start_chat(client, visitor)
    conversation_id = chat["conversation"]["id"]
    (shot,) = await uploaded(
        client, visitor["headers"], ("shot.png", png()), path="/api/embed/attachments"
    )
    await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": "look", "clientMessageId": uuid.uuid4().hex, "attachmentIds": [shot["id"]]},
        headers=visitor["headers"],
    )
    (note,) = await uploaded(client, team.agent_headers, ("internal.pdf", PDF))
    await client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"body": "n", "clientMessageId": uuid.uuid4().hex, "isInternal": True,
              "attachmentIds": [note["id"]]},
        headers=team.agent_headers,
    )  # fmt: skip
    escalated = await client.post(
        f"/api/tickets/from-chat/{conversation_id}",
        json={"includeAttachments": True},
        headers=team.agent_headers,
    )
    assert escalated.status_code == 201, escalated.text
    ticket_id = escalated.json()["ticket"]["id"]
    detail = await client.get(f"/api/tickets/{ticket_id}", headers=team.agent_headers)
    assert [a["id"] for a in detail.json()["ticket"]["attachments"]] == [shot["id"]]

    visitor2 = await visitor_session(client, team.org)
    chat2 = await start_chat(client, visitor2)
    (kept,) = await uploaded(
        client, visitor2["headers"], ("k.png", png()), path="/api/embed/attachments"
    )
    await client.post(
        f"/api/embed/conversations/{chat2['conversation']['id']}/messages",
        json={"body": "k", "clientMessageId": uuid.uuid4().hex, "attachmentIds": [kept["id"]]},
        headers=visitor2["headers"],
    )
    without = await client.post(
        f"/api/tickets/from-chat/{chat2['conversation']['id']}",
        json={"includeAttachments": False},
        headers=team.agent_headers,
    )
    detail = await client.get(f"/api/tickets/{without.json()['ticket']['id']}",
                              headers=team.agent_headers)  # fmt: skip
    assert detail.json()["ticket"]["attachments"] == []


async def test_a_widget_ticket_and_its_reply_carry_files(
    client: httpx.AsyncClient, team: Team, app: Starlette
) -> None:
    visitor = await visitor_session(client, team.org)
    (first,) = await uploaded(
        client, visitor["headers"], ("a.png", png()), path="/api/embed/attachments"
    )
    created = await client.post(
        "/api/embed/tickets",
        json={"email": "c@example.com", "subject": "Broken", "description": "See",
              "attachmentIds": [first["id"]]},
        headers=visitor["headers"],
    )  # fmt: skip
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]
    (second,) = await uploaded(
        client, visitor["headers"], ("b.pdf", PDF), path="/api/embed/attachments"
    )
    replied = await client.post(
        f"/api/embed/tickets/{reference}/responses",
        json={"content": "", "attachmentIds": [second["id"]]},
        headers=visitor["headers"],
    )
    assert replied.status_code == 201, replied.text
    assert replied.json()["response"]["attachments"][0]["filename"] == "b.pdf"
    detail = await client.get(f"/api/tickets/{reference}", headers=team.agent_headers)
    body = detail.json()["ticket"]
    assert [a["id"] for a in body["attachments"]] == [first["id"]]
    assert [a["id"] for a in body["responses"][0]["attachments"]] == [second["id"]]


async def test_the_widget_shows_a_tickets_own_files_but_not_an_internal_one(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    (given,) = await uploaded(
        client, visitor["headers"], ("given.png", png()), path="/api/embed/attachments"
    )
    created = await client.post(
        "/api/embed/tickets",
        json={"email": "w@example.com", "subject": "S", "description": "D",
              "attachmentIds": [given["id"]]},
        headers=visitor["headers"],
    )  # fmt: skip
    reference = created.json()["ticket"]["reference"]
    (note,) = await uploaded(client, team.agent_headers, ("note.pdf", PDF))
    await client.post(
        f"/api/tickets/{reference}/responses",
        json={"content": "internal", "isInternal": True, "attachmentIds": [note["id"]]},
        headers=team.agent_headers,
    )
    shown = await client.get(f"/api/embed/tickets/{reference}", headers=visitor["headers"])
    body = shown.json()["ticket"]
    assert [a["id"] for a in body["attachments"]] == [given["id"]]
    assert all(not r["attachments"] for r in body["responses"])
    link = await client.post(
        f"/api/embed/attachments/{note['id']}/link", headers=visitor["headers"]
    )
    assert link.status_code == 404


async def test_clients_can_read_the_upload_limits(
    client: httpx.AsyncClient, team: Team, app: Starlette
) -> None:
    settings = app.state.parley.settings
    expected = {
        "maxFileBytes": settings.attachment_max_file_bytes,
        "maxRequestBytes": settings.attachment_max_request_bytes,
        "maxFiles": settings.attachment_max_files,
    }
    agent = await client.get("/api/attachments/limits", headers=team.agent_headers)
    assert agent.json() == expected
    visitor = await visitor_session(client, team.org)
    widget = await client.get("/api/embed/attachments/limits", headers=visitor["headers"])
    assert widget.json() == expected
