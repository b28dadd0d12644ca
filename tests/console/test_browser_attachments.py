"""Files in the console, in a real browser.

What only a browser can show: files picked in a composer are uploaded one request each with
a progress bar, previewed and refused in place before anything is sent; the reply, note or
chat message then shows them with thumbnails fetched with the agent's token; a customer's
file arrives in an open chat live; a click opens the file in a new tab through a signed link
(never with the agent's token in a URL). The agents' HTTP API is the witness of what was
stored. Files are in-memory buffers (`set_files`), as a real file chooser would hand them.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any
from urllib.parse import urlparse

import httpx
from playwright.async_api import FilePayload, Locator, Request, expect

from tests.attachments.hostile_files import HTML, jpeg, png, two_colour
from tests.console.harness import (
    AgentLogin,
    Console,
    OpenConsole,
    create_ticket,
    customer_starts_chat,
    unique,
    wait_for_availability,
)
from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import Shop, Widget
from tests.widget.test_browser_attachments import DISPATCH
from tests.widget.test_browser_attachments import in_composer as widget_composer
from tests.widget.test_browser_attachments import uploaded as widget_uploaded

pytestmark = browser_marks()

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def payload(name: str, mime_type: str, data: bytes) -> FilePayload:
    return {"name": name, "mimeType": mime_type, "buffer": data}


async def pick_files(console: Console, within: Locator, *files: FilePayload) -> None:
    """Click the composer's attach button and answer the file chooser, as an agent would."""
    async with console.page.expect_file_chooser() as chooser:
        await console.part("attach", within=within).click()
    await (await chooser.value).set_files(list(files))


# What a browser hands a page when files are dragged onto it or pasted: a DataTransfer with
# File objects, in trusted-looking drag or clipboard events.
HAND_OVER = """([kind, files], target) => {
  const data = new DataTransfer();
  for (const f of files) {
    const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
    data.items.add(new File([bytes], f.name, { type: f.type }));
  }
  const events = kind === "paste"
    ? [new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true })]
    : ["dragenter", "dragover", "drop"].map((type) =>
        new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  for (const ev of events) target.dispatchEvent(ev);
}"""


async def hand_over(kind: str, target: Locator, *files: FilePayload) -> None:
    """Drop (`kind` "drop") `files` on `target`, or paste them into it ("paste")."""
    encoded = [
        {"name": f["name"], "type": f["mimeType"], "b64": base64.b64encode(f["buffer"]).decode()}
        for f in files
    ]
    await target.evaluate(f"(target, arg) => ({HAND_OVER})(arg, target)", [kind, encoded])


async def expect_thumbnail(attachment: Locator) -> None:
    """The attachment shows a thumbnail the browser decoded (a data: URL made from the bytes
    fetched with the agent's token)."""
    thumb = attachment.locator("[data-console=thumbnail]")
    await expect(thumb).to_be_visible(timeout=LIVE_MS)
    await expect(thumb).to_have_attribute(
        "src", re.compile(r"^data:image/(png|jpeg|webp);base64,"), timeout=LIVE_MS
    )
    assert await thumb.evaluate("(img) => img.complete && img.naturalWidth > 0")


async def agent_upload(shop: Shop, name: str, data: bytes, mime_type: str) -> dict[str, Any]:
    """An upload through the agents' API by the shop's desk agent (another agent's work)."""
    files = {"file": (name, data, mime_type)}
    response = await shop.desk.http.post("/api/attachments", files=files)
    assert response.status_code == 201, response.text
    return dict(response.json()["attachments"][0])


async def test_an_agent_replies_with_an_image_and_a_pdf_and_a_refused_file_says_why(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """Ada picks an image and a PDF for a reply: each is uploaded in its own request, its bar
    reaches the end, the image has a preview. An HTML page renamed `.png` is refused by its
    file with the server's sentence, and sending is held back until she removes it. The sent
    reply shows both files, the image with its thumbnail, and the API has them on it. Saves
    `ticket-composer-files.png` (the three files before sending) and
    `ticket-reply-with-files.png`."""
    ref = (await create_ticket(shop))["reference"]
    a = await new_console(ada)
    detail = await a.open_ticket(ref)
    uploads: list[Request] = []

    def count_upload(request: Request) -> None:
        if request.method == "POST" and urlparse(request.url).path == "/api/attachments":
            uploads.append(request)

    a.page.on("request", count_upload)

    await pick_files(
        a, detail,
        payload("blender-photo.png", "image/png", png(two_colour((120, 80)))),
        payload("warranty.pdf", "application/pdf", PDF),
    )  # fmt: skip
    for name in ("blender-photo.png", "warranty.pdf"):
        pending = a.pending_file(name, within=detail)
        await expect(pending).to_have_attribute("data-state", "done", timeout=LIVE_MS)
        await expect(pending.locator("[data-console=upload-progress]")).to_have_js_property(
            "value", 1
        )
    await expect(
        a.pending_file("blender-photo.png", within=detail).locator("[data-console=file-preview]")
    ).to_be_visible()
    await expect(
        a.pending_file("warranty.pdf", within=detail).locator("[data-console=file-preview]")
    ).to_be_hidden()

    await pick_files(a, detail, payload("innocent.png", "image/png", HTML))
    refused = a.pending_file("innocent.png", within=detail)
    await expect(refused).to_have_attribute("data-state", "failed", timeout=LIVE_MS)
    await expect(refused.locator("[data-console=file-error]")).to_contain_text("cannot be attached")
    await expect(refused.locator("[data-console=file-error]")).to_contain_text("innocent.png")
    assert len(uploads) == 3, [r.url for r in uploads]  # one request per file
    await a.screenshot("ticket-composer-files")

    text = unique("Here is the photo and the warranty")
    await a.part("reply", within=detail).fill(text)
    await a.part("send", within=detail).click()
    await expect(a.error).to_contain_text("innocent.png", timeout=LIVE_MS)
    await expect(a.part("reply", within=detail)).to_have_value(text)
    await expect(a.entry(text, within=detail)).to_have_count(0)

    await a.part("remove-file", within=refused).click()
    await expect(refused).to_have_count(0)
    await a.part("send", within=detail).click()
    entry = a.entry(text, within=detail)
    await expect(entry).to_have_attribute("data-kind", "reply", timeout=LIVE_MS)
    await expect(a.part("attachment", within=entry)).to_have_count(2)
    await expect_thumbnail(a.attachment("blender-photo.png", within=entry))
    pdf = a.attachment("warranty.pdf", within=entry)
    await expect(pdf).to_contain_text("warranty.pdf")
    await expect(pdf.locator("[data-console=thumbnail]")).to_have_count(0)
    await expect(a.part("pending-file", within=detail)).to_have_count(0)
    await a.screenshot("ticket-reply-with-files")

    stored = [r for r in (await shop.desk.ticket(ref))["responses"] if r["content"] == text]
    assert len(stored) == 1, stored
    files = {f["filename"]: f for f in stored[0]["attachments"]}
    assert set(files) == {"blender-photo.png", "warranty.pdf"}, files
    assert files["blender-photo.png"]["image"] and files["blender-photo.png"]["thumbnailUrl"]
    assert files["warranty.pdf"]["contentType"] == "application/pdf"
    assert not any(f["isInternal"] for f in files.values())
    a.assert_no_page_errors()


async def test_a_customers_file_appears_live_in_the_open_chat(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """A customer (the widget's REST API, a visitor token) uploads a photo and sends it with
    no text while Ada has the chat open: the message shows up with the file's thumbnail,
    without a reload. Ada answers with no text either: a screenshot pasted into the reply box
    and a PDF dropped on it."""
    a = await new_console(ada)
    await wait_for_availability(shop, True)
    async with httpx.AsyncClient(
        base_url=shop.server.http_url, headers={"Origin": shop.host.allowed_origin}, timeout=30
    ) as http:
        session = await http.post(
            "/api/embed/session",
            json={"siteKey": shop.site_key, "name": "Rita Customer",
                  "email": f"{unique('rita')}@example.com"},
        )  # fmt: skip
        assert session.status_code == 200, session.text
        visitor = {"Authorization": f"Bearer {session.json()['token']}"}
        started = await http.post(
            "/api/embed/conversations",
            json={"body": unique("The lid cracked"), "clientMessageId": uuid.uuid4().hex},
            headers=visitor,
        )
        assert started.status_code == 201, started.text
        cid = int(started.json()["conversation"]["id"])

        await expect(a.waiting_item(cid)).to_be_visible(timeout=LIVE_MS)
        await a.part("claim", within=a.waiting_item(cid)).click()
        view = await a.open_conversation(cid)
        await a.page.evaluate("() => { window.__parleyNoReload = true; }")

        uploaded = await http.post(
            "/api/embed/attachments",
            files={"file": ("cracked-lid.jpg", jpeg(two_colour((90, 60))), "image/jpeg")},
            headers=visitor,
        )
        assert uploaded.status_code == 201, uploaded.text
        (file,) = uploaded.json()["attachments"]
        sent = await http.post(
            f"/api/embed/conversations/{cid}/messages",
            json={"body": "", "clientMessageId": uuid.uuid4().hex, "attachmentIds": [file["id"]]},
            headers=visitor,
        )
        assert sent.status_code == 201, sent.text

    shown = a.attachment("cracked-lid.jpg", within=view)
    await expect(shown).to_have_count(1, timeout=LIVE_MS)
    message = view.locator("[data-console=message]").filter(has=a.attachment("cracked-lid.jpg"))
    await expect(message).to_have_attribute("data-author", "contact")
    await expect(message).to_have_attribute("data-message-id", str(sent.json()["message"]["id"]))
    await expect(shown).to_have_attribute("data-internal", "false")
    await expect_thumbnail(shown)
    assert await a.page.evaluate("() => window.__parleyNoReload === true"), "the page reloaded"

    # Ada answers with a screenshot pasted into the reply box and a file dropped on it.
    reply = a.part("reply", within=view)
    await hand_over("paste", reply, payload("image.png", "image/png", png()))
    await hand_over("drop", reply, payload("return-label.pdf", "application/pdf", PDF))
    for name in ("image.png", "return-label.pdf"):
        await expect(a.pending_file(name, within=view)).to_have_attribute(
            "data-state", "done", timeout=LIVE_MS
        )
    await a.part("send", within=view).click()
    answer = view.locator("[data-console=message][data-author=agent]").filter(
        has=a.attachment("return-label.pdf")
    )
    await expect(answer).to_have_count(1, timeout=LIVE_MS)
    await expect_thumbnail(a.attachment("image.png", within=answer))
    await expect(a.part("pending-file", within=view)).to_have_count(0)
    stored = [m for m in await shop.desk.messages(cid) if m["attachments"]]
    assert [sorted(f["filename"] for f in m["attachments"]) for m in stored] == [
        ["cracked-lid.jpg"],
        ["image.png", "return-label.pdf"],
    ], stored
    a.assert_no_page_errors()


async def test_clicking_a_file_opens_a_fresh_signed_link_in_a_new_tab(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """Another agent's reply carries a photo. Ada clicks it: the console asks for a link
    (POST …/link) and a new tab opens at it, under /files/, with the agent's token nowhere in
    the URL; the file comes with its Content-Disposition and `nosniff`."""
    ticket = await create_ticket(shop)
    ref = ticket["reference"]
    photo = await agent_upload(shop, "receipt.png", png(), "image/png")
    await shop.desk.call(
        "POST", f"/api/tickets/{ref}/responses",
        {"content": "The receipt", "attachmentIds": [photo["id"]]}, status=201,
    )  # fmt: skip
    a = await new_console(ada)
    detail = await a.open_ticket(ref)
    shown = a.attachment("receipt.png", within=a.entry("The receipt", within=detail))
    await expect(shown).to_be_visible(timeout=LIVE_MS)

    link_path = f"/api/attachments/{photo['id']}/link"
    file_opened = a.page.context.expect_event(
        "response", lambda r: urlparse(r.url).path.startswith("/files/")
    )
    link_asked = a.page.expect_request(
        lambda r: r.method == "POST" and urlparse(r.url).path == link_path
    )
    async with file_opened as opened, link_asked as asked, a.page.expect_popup() as popup_info:
        await a.part("open-attachment", within=shown).click()
    await asked.value
    popup = await popup_info.value
    response = await opened.value

    url = urlparse(popup.url)
    assert url.path.startswith("/files/"), popup.url
    assert "sig=" in url.query, popup.url
    token = await a.page.evaluate("() => JSON.parse(localStorage['parley:console:v1']).token")
    assert token and token not in popup.url
    assert response.status == 200, response.status
    headers = await response.all_headers()
    assert "content-disposition" in headers, headers
    assert "receipt.png" in headers["content-disposition"], headers
    assert headers.get("x-content-type-options") == "nosniff", headers
    assert await popup.evaluate("() => window.opener === null")
    await popup.close()
    a.assert_no_page_errors()


async def test_a_file_on_an_internal_note_is_marked_internal(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """Ada adds an internal note with a file (given to the page's file input, as a drop
    would): the note and its file are both marked internal, and so is the stored file."""
    ref = (await create_ticket(shop))["reference"]
    a = await new_console(ada)
    detail = await a.open_ticket(ref)
    note = unique("internal: the customer's order history")
    await a.part("reply", within=detail).fill(note)
    await a.part("file-input", within=detail).set_input_files(
        payload("orders.txt", "text/plain", b"Order 1234: the lid cracked on day two.\n")
    )
    pending = a.pending_file("orders.txt", within=detail)
    await expect(pending).to_have_attribute("data-state", "done", timeout=LIVE_MS)
    await a.part("send-note", within=detail).click()

    entry = a.entry(note, within=detail)
    await expect(entry).to_have_attribute("data-kind", "note", timeout=LIVE_MS)
    shown = a.attachment("orders.txt", within=entry)
    await expect(shown).to_have_attribute("data-internal", "true")
    await expect(a.part("internal-file", within=shown)).to_have_text("Internal")

    stored = [r for r in (await shop.desk.ticket(ref))["responses"] if r["content"] == note]
    assert len(stored) == 1 and stored[0]["isInternal"], stored
    assert [(f["filename"], f["isInternal"]) for f in stored[0]["attachments"]] == [
        ("orders.txt", True)
    ], stored
    a.assert_no_page_errors()


async def test_a_new_ticket_with_a_file_shows_it_on_the_ticket(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """The new-ticket form takes files too: the file goes with the ticket itself and the
    ticket's page lists it under Files."""
    a = await new_console(ada, route="tickets/new")
    form = a.part("new-ticket")
    await expect(form).to_be_visible(timeout=LIVE_MS)
    await form.locator("input[name=requesterEmail]").fill(f"{unique('rita')}@example.com")
    subject = unique("Blender jar cracked")
    await form.locator("input[name=subject]").fill(subject)
    await pick_files(a, form, payload("jar.png", "image/png", png()))
    await expect(a.pending_file("jar.png", within=form)).to_have_attribute(
        "data-state", "done", timeout=LIVE_MS
    )
    await a.part("create", within=form).click()

    files = a.part("ticket-files")
    await expect(files).to_be_visible(timeout=LIVE_MS)
    await expect_thumbnail(a.attachment("jar.png", within=files))
    ref = await a.part("ticket-detail").get_attribute("data-ref")
    ticket = await shop.desk.ticket(str(ref))
    assert ticket["subject"] == subject
    assert [f["filename"] for f in ticket["attachments"]] == ["jar.png"], ticket
    a.assert_no_page_errors()


async def test_a_file_past_the_servers_limit_is_refused_before_it_is_sent(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """The console reads the server's upload limits (`GET /api/attachments/limits`) and
    refuses a larger file in words before a byte of it goes out (the server, which closes the
    connection on such a body, might otherwise leave the browser with only a network error).
    The limits are made small in the browser: a real 25 MiB file would only slow the test."""
    ref = (await create_ticket(shop))["reference"]
    a = await new_console(ada)
    limits = {"maxFileBytes": 2048, "maxRequestBytes": 4096, "maxFiles": 10}
    await a.page.route("**/api/attachments/limits", lambda route: route.fulfill(json=limits))
    detail = await a.open_ticket(ref)
    uploads: list[Request] = []
    a.page.on(
        "request",
        lambda r: (
            uploads.append(r)
            if r.method == "POST" and urlparse(r.url).path == "/api/attachments"
            else None
        ),
    )
    await pick_files(a, detail, payload("big.log", "text/plain", b"x" * 3000))
    refused = a.pending_file("big.log", within=detail)
    await expect(refused).to_have_attribute("data-state", "failed", timeout=LIVE_MS)
    error = refused.locator("[data-console=file-error]")
    await expect(error).to_contain_text("big.log")
    await expect(error).to_contain_text("larger than 2 KiB")
    await pick_files(a, detail, payload("small.log", "text/plain", b"y" * 1000))
    small = a.pending_file("small.log", within=detail)
    await expect(small).to_have_attribute("data-state", "done", timeout=LIVE_MS)
    assert len(uploads) == 1, [r.url for r in uploads]  # the small one only
    a.assert_no_page_errors()


async def test_a_file_dropped_in_the_widget_appears_live_in_the_console(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole, widget: Widget
) -> None:
    """The whole journey in two browsers: a customer drops a photo on the widget's composer
    and sends it; Ada's open chat shows it at once, with its thumbnail, without a reload."""
    a = await new_console(ada)
    await wait_for_availability(shop, True)
    chat = await customer_starts_chat(shop, widget)
    cid = chat.conversation_id
    await expect(a.waiting_item(cid)).to_be_visible(timeout=LIVE_MS)
    await a.part("claim", within=a.waiting_item(cid)).click()
    view = await a.open_conversation(cid)
    await a.page.evaluate("() => { window.__parleyNoReload = true; }")

    photo = jpeg(two_colour((80, 60)))
    await widget.page.evaluate(
        DISPATCH, [".composer", "drop", "broken-hinge.jpg", "image/jpeg",
                   base64.b64encode(photo).decode()],
    )  # fmt: skip
    await widget_uploaded(widget_composer(widget, "pending-file"), 1)
    await widget.part("send").click()

    shown = a.attachment("broken-hinge.jpg", within=view)
    await expect(shown).to_have_count(1, timeout=LIVE_MS)
    message = view.locator("[data-console=message]").filter(has=a.attachment("broken-hinge.jpg"))
    await expect(message).to_have_attribute("data-author", "contact")
    await expect_thumbnail(shown)
    assert await a.page.evaluate("() => window.__parleyNoReload === true"), "the page reloaded"
    (stored,) = [m for m in await shop.desk.messages(cid) if m["attachments"]]
    assert [f["filename"] for f in stored["attachments"]] == ["broken-hinge.jpg"], stored
    assert stored["attachments"][0]["contentType"] == "image/jpeg"
    a.assert_no_page_errors()
    widget.assert_no_page_errors()
