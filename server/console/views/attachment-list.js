// The files on a reply, a note, a chat message or a ticket: name, size, a thumbnail for
// images, "Internal" for a note's files. A click asks for a fresh signed link and opens it in
// a new tab (lib/files.js). Names go in as text.
import { h } from "../lib/dom.js";
import { fileSize } from "../lib/format.js";

/** A list of `attachments` (AttachmentOut), or null when there are none. */
export function attachmentList(ctx, attachments) {
  if (!attachments || !attachments.length) return null;
  return h("ul", { class: "attachments", "data-console": "attachments", "aria-label": "Attached files" },
    attachments.map((a) => attachmentItem(ctx, a)));
}

function attachmentItem(ctx, a) {
  const thumb = a.image && a.thumbnailUrl
    ? h("img", { class: "thumb", alt: "", "data-console": "thumbnail", width: 64, height: 64, hidden: true })
    : h("span", { class: "file-icon", "aria-hidden": "true" }, extension(a.filename));
  if (a.image && a.thumbnailUrl) {
    ctx.files.thumbnail(a.thumbnailUrl).then((src) => {
      thumb.src = src;
      thumb.hidden = false;
    }, () => {
      // no thumbnail: the name and the size still say what it is
    });
  }
  const open = h("button", {
    type: "button", class: "attachment-open", "data-console": "open-attachment",
    title: `Open ${a.filename} in a new tab`,
  },
  thumb,
  h("span", { class: "file-text" },
    h("span", { class: "file-name", "data-console": "file-name" }, a.filename),
    h("span", { class: "file-size muted" }, fileSize(a.size))),
  a.isInternal ? h("span", { class: "badge note-badge", "data-console": "internal-file" }, "Internal") : null);
  open.addEventListener("click", async () => {
    open.disabled = true;
    try {
      await ctx.files.open(a.id);
    } catch (err) {
      ctx.toast(err);
    } finally {
      open.disabled = false;
    }
  });
  return h("li", {
    class: `attachment${a.isInternal ? " internal" : ""}`, "data-console": "attachment",
    "data-attachment-id": a.id, "data-name": a.filename, "data-internal": String(!!a.isInternal),
  }, open);
}

/** "report.pdf" → "PDF": a label for a file without a thumbnail. */
function extension(name) {
  const dot = String(name).lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1, dot + 6).toUpperCase() : "";
  return ext || "FILE";
}
