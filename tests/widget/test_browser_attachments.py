"""Files in a real browser: the customer attaches them in the chat (file input, paste, drop),
sees each upload's progress and preview, and sends them with a message; a refused file says
why in the customer's language and nothing goes out; an agent's file arrives live with its
thumbnail and opens through a fresh signed link; the tracking page takes a reply with files.

The agent's HTTP API is the witness of what was stored; every wait is an `expect` (no sleeps).
"""

from __future__ import annotations

import base64
import io
import re
import uuid

from PIL import Image
from playwright.async_api import FilePayload, Locator, Page, Route, expect

from server.settings import Settings
from server.tickets.tracking_links import TrackingClaims, link_url
from tests.support.browser import LIVE_MS, Pages, browser_marks
from tests.widget.harness import Shop, Widget, start_chat, unique

pytestmark = browser_marks()

NOTES = b"Order 1042\nTracking 1Z999\n"
# Bytes of an HTML page under an image's name: the server reads the type from the bytes.
NOT_A_PHOTO = b"<!doctype html><html><head><title>Hi</title></head><body><script>alert(1)</script>"


def png(colour: str = "teal", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, mime: str, data: bytes) -> FilePayload:
    """A file for `set_input_files`, from memory."""
    return {"name": name, "mimeType": mime, "buffer": data}


def in_composer(widget: Widget, name: str) -> Locator:
    return widget.page.locator(f".composer [data-parley={name}]")


async def uploaded(pending: Locator, count: int) -> None:
    """`count` pending files, each uploaded: the progress bar full, the file done."""
    await expect(pending).to_have_count(count, timeout=LIVE_MS)
    for i in range(count):
        await expect(pending.nth(i)).to_have_attribute("data-state", "done", timeout=LIVE_MS)
        await expect(pending.nth(i).locator("progress")).to_have_js_property("value", 100)


async def shows_image(thumb: Locator) -> None:
    """The thumbnail is a decoded image from a data: URL (allowed where blob: is not)."""
    image = thumb.locator("img")
    await expect(image).to_have_attribute("src", re.compile(r"^data:image/"), timeout=LIVE_MS)
    await expect(image).to_have_js_property("complete", True)
    assert await image.evaluate("(img) => img.naturalWidth") > 0


# JS: dispatch a paste (or a drop) of one in-memory file on an element inside the shadow root.
DISPATCH = """([selector, kind, name, type, b64]) => {
  const root = document.getElementById('parley-widget').shadowRoot;
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type }));
  const target = root.querySelector(selector);
  if (kind === 'paste') {
    const init = { clipboardData: data, bubbles: true, cancelable: true };
    target.dispatchEvent(new ClipboardEvent('paste', init));
  } else {
    const init = { dataTransfer: data, bubbles: true, cancelable: true };
    for (const type of ['dragover', 'drop']) target.dispatchEvent(new DragEvent(type, init));
  }
}"""


async def dispatch(page: Page, selector: str, kind: str, name: str, data: bytes) -> None:
    b64 = base64.b64encode(data).decode()
    await page.evaluate(DISPATCH, [selector, kind, name, "image/png", b64])


async def test_a_customer_sends_an_image_and_a_text_file_with_a_message(
    shop: Shop, widget: Widget
) -> None:
    """Both files upload at once (progress complete, the image previewed), go out with the
    message, show on it (the image with the server's thumbnail), and reach the agent with
    the types read from their bytes."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)

        await in_composer(widget, "file-input").set_input_files(
            [upload("parcel.png", "image/png", png()), upload("notes.txt", "text/plain", NOTES)]
        )
        pending = in_composer(widget, "pending-file")
        await uploaded(pending, 2)
        await shows_image(pending.nth(0).locator(".file__thumb"))
        await expect(pending.nth(1).locator(".file__thumb")).to_have_text("txt")

        text = unique("Here is the label")
        await widget.send(text)
        mine = widget.message(text, author="contact")
        await expect(mine).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)
        files = mine.locator("[data-parley=attachment]")
        await expect(files).to_have_count(2)
        image, notes = (files.filter(has_text=name) for name in ("parcel.png", "notes.txt"))
        await expect(notes).to_contain_text(f"{len(NOTES)} B")
        await shows_image(image)
        await expect(in_composer(widget, "pending-files")).to_be_hidden()

        (stored,) = [m for m in await shop.desk.messages(chat.conversation_id) if m["body"] == text]
        got = {a["filename"]: a for a in stored["attachments"]}
        assert sorted(got) == ["notes.txt", "parcel.png"], stored
        assert got["parcel.png"]["contentType"] == "image/png" and got["parcel.png"]["image"]
        assert got["notes.txt"]["contentType"] == "text/plain"
        await expect(image).to_have_attribute("data-attachment-id", str(got["parcel.png"]["id"]))
        await expect(notes).to_have_attribute("data-attachment-id", str(got["notes.txt"]["id"]))
        thumbnail = await shop.desk.http.get(got["parcel.png"]["thumbnailUrl"])
        assert thumbnail.status_code == 200, thumbnail.text
        assert thumbnail.headers["content-type"] in ("image/png", "image/jpeg")
        widget.assert_no_page_errors()


async def test_a_refused_file_says_why_in_the_customers_language_and_nothing_is_sent(
    shop: Shop, widget: Widget
) -> None:
    """An HTML page named photo.png: refused by its bytes, and said so in German, naming the
    file and what it looked like; Send with nothing else sends nothing. (Proof: a message
    sent after it is the next one stored, without the file.)"""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url(locale="de"))
        chat = await start_chat(shop, widget, agent_ws)

        await in_composer(widget, "file-input").set_input_files(
            [upload("photo.png", "image/png", NOT_A_PHOTO)]
        )
        refused = in_composer(widget, "pending-file")
        await expect(refused).to_have_attribute("data-state", "failed", timeout=LIVE_MS)
        await expect(refused.locator("[data-parley=file-error]")).to_have_text(
            "„photo.png“ sieht aus wie text/html und kann nicht angehängt werden."
        )
        await widget.part("send").click()

        after = unique("Trotzdem danke")
        await widget.send(after)
        await expect(widget.message(after, author="contact")).not_to_have_attribute(
            "data-pending", "true", timeout=LIVE_MS
        )
        stored = [
            m
            for m in await shop.desk.messages(chat.conversation_id)
            if m["authorType"] == "CONTACT"
        ]
        assert [m["body"] for m in stored] == [chat.first_message, after], stored
        assert stored[-1]["attachments"] == []
        await expect(
            widget.page.locator("[data-parley=message] [data-parley=attachment]")
        ).to_have_count(0)
        # Sent: the refused file is gone from the composer too.
        await expect(in_composer(widget, "pending-files")).to_be_hidden()
        widget.assert_no_page_errors()


async def test_pasted_and_dropped_images_are_previewed_and_can_be_removed(
    shop: Shop, widget: Widget
) -> None:
    """An image pasted from the clipboard and one dropped on the composer each get a pending
    preview and upload; its remove button takes one away (it is not sent) and focus goes back
    to the attach button."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)

        await dispatch(widget.page, "[data-parley=composer]", "paste", "image.png", png("red"))
        await dispatch(widget.page, ".composer", "drop", "dropped.png", png("blue"))
        pending = in_composer(widget, "pending-file")
        await uploaded(pending, 2)
        await expect(pending.nth(0)).to_contain_text("image.png")
        await expect(pending.nth(1)).to_contain_text("dropped.png")
        for i in range(2):
            await shows_image(pending.nth(i).locator(".file__thumb"))

        await pending.nth(0).locator("[data-parley=remove-file]").click()
        await expect(pending).to_have_count(1)
        await expect(in_composer(widget, "attach")).to_be_focused()

        await widget.part("send").click()  # files alone: the message may be empty
        sent = widget.page.locator("[data-parley=message][data-author=contact]").filter(
            has=widget.page.locator("[data-parley=attachment]")
        )
        await expect(sent).to_have_count(1, timeout=LIVE_MS)
        await expect(sent).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)
        stored = (await shop.desk.messages(chat.conversation_id))[-1]
        assert stored["body"] == "" and [a["filename"] for a in stored["attachments"]] == [
            "dropped.png"
        ], stored
        widget.assert_no_page_errors()


async def test_an_agents_file_arrives_live_and_opens_through_a_fresh_link(
    shop: Shop, widget: Widget
) -> None:
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)

        r = await shop.desk.http.post(
            "/api/attachments", files={"file": ("label.png", png("orange"), "image/png")}
        )
        assert r.status_code == 201, r.text
        (attachment,) = r.json()["attachments"]
        reply = unique("Your label is attached")
        await shop.desk.call(
            "POST",
            f"/api/conversations/{chat.conversation_id}/messages",
            {
                "body": reply,
                "clientMessageId": uuid.uuid4().hex,
                "attachmentIds": [attachment["id"]],
            },
            status=201,
        )
        file = widget.message(reply, author="agent").locator("[data-parley=attachment]")
        await expect(file).to_have_count(1, timeout=LIVE_MS)
        await expect(file).to_contain_text("label.png")
        await shows_image(file)

        page = widget.page
        link = f"/api/embed/attachments/{attachment['id']}/link"
        asks = page.expect_request(lambda q: q.method == "POST" and q.url.endswith(link))
        async with asks as asked, page.context.expect_page() as opened:
            await file.click()
        headers = await (await asked.value).all_headers()
        assert headers["authorization"].startswith("Bearer ")  # in a header, never in a URL
        tab = await opened.value
        await tab.wait_for_load_state()
        assert re.search(r"/files/\d+/label\.png\?", tab.url), tab.url
        assert "token" not in tab.url and shop.agent_token not in tab.url
        assert await tab.evaluate("document.contentType") == "image/png"
        widget.assert_no_page_errors()


async def test_the_tracking_page_takes_a_reply_with_files(
    shop: Shop, settings: Settings, pages: Pages
) -> None:
    """The reply box of the page a customer email links to: an image and a text file, no
    text; the reply shows both (the image's thumbnail under the page's strict CSP), the agent
    has them on the reply, and a file opens through the page's own link endpoint."""
    ticket = await shop.desk.call(
        "POST",
        "/api/tickets",
        {
            "subject": unique("Broken hinge"),
            "description": "The lid came off.",
            "requesterName": "Rita Requester",
            "requesterEmail": f"{unique('rita')}@example.com",
        },
        status=201,
    )
    ticket = ticket["ticket"]
    claims = TrackingClaims(shop.team.org.id, ticket["id"], ticket["requesterId"])
    page, log = await pages.open()
    await page.goto(link_url(shop.server.http_url, settings.secret_key, claims))
    reply = page.locator(".reply")
    await expect(reply).to_be_visible(timeout=LIVE_MS)

    await reply.locator("[data-parley=file-input]").set_input_files(
        [upload("hinge.png", "image/png", png("gray")), upload("notes.txt", "text/plain", NOTES)]
    )
    await uploaded(reply.locator("[data-parley=pending-file]"), 2)
    await page.locator("[data-parley=ticket-reply-send]").click()

    mine = page.locator("[data-parley=ticket-response].resp--mine")
    await expect(mine).to_have_count(1, timeout=LIVE_MS)
    files = mine.locator("[data-parley=attachment]")
    await expect(files).to_have_count(2)
    image = files.filter(has_text="hinge.png")
    await shows_image(image)
    await expect(files.filter(has_text="notes.txt")).to_have_count(1)
    await expect(reply.locator("[data-parley=pending-files]")).to_be_hidden()

    stored = (await shop.desk.ticket(ticket["reference"]))["responses"][-1]
    assert stored["authorType"] == "CUSTOMER" and stored["content"] == "", stored
    assert sorted(a["contentType"] for a in stored["attachments"]) == ["image/png", "text/plain"]

    stored_image = next(a for a in stored["attachments"] if a["filename"] == "hinge.png")
    link = f"/api/track/attachments/{stored_image['id']}/link"
    answers = page.expect_response(lambda r: r.url.endswith(link))
    async with answers as asked, page.context.expect_page() as opened:
        await image.click()
    assert (await asked.value).status == 200
    tab = await opened.value
    await tab.wait_for_load_state()
    assert re.search(r"/files/\d+/hinge\.png\?", tab.url), tab.url
    assert not log.errors, log.dump()


async def test_the_contact_form_sends_a_file_with_the_ticket(shop: Shop, widget: Widget) -> None:
    """Nobody online: the ticket form's issue step takes a file; the ticket has it, and its
    view in the widget shows it."""
    await widget.goto(shop.page_url())
    await widget.open()
    form = widget.part("ticket-form")
    await form.locator("input[name=email]").fill(f"{unique('rita')}@example.com")
    await widget.part("next").click()
    await form.locator("input[name=subject]").fill(unique("Charged twice"))
    await form.locator("textarea[name=description]").fill("The receipt is attached.")
    await form.locator("[data-parley=file-input]").set_input_files(
        [upload("receipt.png", "image/png", png("white"))]
    )
    await uploaded(form.locator("[data-parley=pending-file]"), 1)
    await widget.part("submit-ticket").click()
    await expect(form).to_have_attribute("data-step", "done", timeout=LIVE_MS)
    await expect(form.locator("[data-parley=pending-files]")).to_be_hidden()

    ticket = await shop.desk.ticket(await widget.part("ticket-ref").inner_text())
    assert [(a["filename"], a["contentType"]) for a in ticket["attachments"]] == [
        ("receipt.png", "image/png")
    ], ticket["attachments"]

    await widget.part("view-ticket").click()  # the ticket's own files, in its view
    shown = widget.part("ticket-detail").locator("[data-parley=attachment]")
    await expect(shown).to_have_count(1, timeout=LIVE_MS)
    await expect(shown).to_contain_text("receipt.png")
    await shows_image(shown)
    widget.assert_no_page_errors()


async def test_too_large_files_and_too_many_uploads_are_refused_in_words(
    shop: Shop, widget: Widget
) -> None:
    """A file over the server's limit (`GET …/limits`) is refused before a byte of it is
    sent; the server's own 413 (with its limit) and 429 (with the wait) are worded too. (The
    limits and answers are the server's shapes, played by the browser: a real 25 MB upload
    is slow.)"""
    limits = {"maxFileBytes": 1536, "maxRequestBytes": 3072, "maxFiles": 10}
    answers = [
        (413, {"code": "payload_too_large", "message": "Too large.", "file": "scan.pdf",
               "limitBytes": 1024}),
        (429, {"code": "rate_limited", "message": "Slow down.", "retryAfter": 7}),
    ]  # fmt: skip
    uploaded_names: list[str] = []

    async def answer(route: Route) -> None:
        found = re.search(rb'filename="([^"]+)"', route.request.post_data_buffer or b"")
        uploaded_names.append(found[1].decode() if found else "?")
        status, error = answers.pop(0)
        await route.fulfill(status=status, json={"error": error})

    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        await start_chat(shop, widget, agent_ws)
        await widget.page.route("**/api/embed/attachments/limits", lambda r: r.fulfill(json=limits))
        await widget.page.route("**/api/embed/attachments", answer)
        errors = in_composer(widget, "pending-file").locator("[data-parley=file-error]")
        files = [("big.txt", 2048), ("scan.pdf", 1200), ("notes.txt", 100)]
        for n, (name, size) in enumerate(files, start=1):
            data = upload(name, "text/plain", b"x" * size)
            await in_composer(widget, "file-input").set_input_files([data])
            await expect(errors).to_have_count(n)  # each one refused
        await expect(errors.nth(0)).to_have_text("“big.txt” is too large (the limit is 1.5 KB).")
        await expect(errors.nth(1)).to_have_text("“scan.pdf” is too large (the limit is 1 KB).")
        await expect(errors.nth(2)).to_have_text("Too many uploads: please wait 7 s and try again.")
        assert uploaded_names == ["scan.pdf", "notes.txt"]  # big.txt never left the browser
        widget.assert_no_page_errors()
