// Files waiting to go with a reply, a note, a chat message or a new ticket. Picked with the
// button, dropped on `dropZone` or pasted into `pasteTarget`; each is uploaded at once (one
// request per file, a progress bar each), images get a preview, each can be removed, and a
// refusal stays by its file with the server's sentence until the agent removes it. The form
// sends the ids of the uploaded files (`take()`), and the picker forgets them once sent.
import { h } from "../lib/dom.js";
import { previewOf } from "../lib/files.js";
import { fileSize } from "../lib/format.js";

// The most files one message, reply or ticket may carry (server/attachments/schemas.py).
export const MAX_FILES = 20;

let pickers = 0;

export function createAttachmentPicker(ctx, { dropZone, pasteTarget }) {
  const entries = [];
  let disabled = false;
  let waiters = [];
  const inputId = `file-input-${++pickers}`;

  const input = h("input", { type: "file", multiple: true, id: inputId, class: "file-input", "data-console": "file-input", tabindex: -1, "aria-hidden": "true" });
  const button = h("button", { type: "button", class: "secondary attach", "data-console": "attach", "aria-controls": inputId }, "Attach files");
  const list = h("ul", { class: "pending-files", "data-console": "pending-files", "aria-label": "Files to send", hidden: true });
  const el = h("div", { class: "picker" }, input, list);

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    add([...input.files]);
    input.value = ""; // the same file may be picked again after a removal
  });

  // --- the entries ---------------------------------------------------------------------------
  function add(files) {
    if (disabled) return;
    for (const file of files) {
      const entry = { file, state: "queued", attachment: null, error: null, upload: null };
      entry.li = render(entry);
      entries.push(entry);
      list.append(entry.li);
      if (entries.length > MAX_FILES) {
        fail(entry, `“${file.name}” is one file too many: a message takes at most ${MAX_FILES} files.`);
        continue;
      }
      start(entry);
    }
    list.hidden = !entries.length;
  }

  function start(entry) {
    entry.upload = ctx.files.upload(entry.file, {
      onStart: () => setState(entry, "uploading"),
      onProgress: (fraction) => {
        entry.progress.value = fraction;
        entry.progress.setAttribute("aria-valuetext", `${Math.round(fraction * 100)}%`);
      },
    });
    entry.upload.done.then((attachment) => {
      entry.attachment = attachment;
      entry.progress.value = 1;
      setState(entry, "done");
      settled();
    }, (err) => {
      if (entries.includes(entry)) fail(entry, err.message || String(err));
      settled();
    });
  }

  function fail(entry, message) {
    entry.error = message;
    entry.errorEl.textContent = message;
    entry.errorEl.hidden = false;
    setState(entry, "failed");
  }

  function setState(entry, state) {
    entry.state = state;
    entry.li.dataset.state = state;
    entry.status.textContent = {
      queued: "Waiting…", uploading: "Uploading…", done: "Ready", failed: "Not uploaded", sending: "Sending…",
    }[state];
    entry.progress.hidden = state === "failed";
    entry.remove.disabled = state === "sending";
  }

  function render(entry) {
    const { file } = entry;
    const preview = h("img", { class: "preview", alt: "", "data-console": "file-preview", hidden: true });
    previewOf(file).then((src) => {
      if (!src) return;
      preview.src = src;
      preview.hidden = false;
    });
    entry.progress = h("progress", { max: 1, value: 0, "data-console": "upload-progress", "aria-label": `Upload of ${file.name}` });
    entry.status = h("span", { class: "file-status muted" });
    entry.errorEl = h("p", { class: "field-error", "data-console": "file-error", role: "alert", hidden: true });
    entry.remove = h("button", { type: "button", class: "link-button remove-file", "data-console": "remove-file", "aria-label": `Remove ${file.name}`, title: "Remove" }, "Remove");
    entry.remove.addEventListener("click", () => {
      discard(entry);
      button.focus();
    });
    const li = h("li", { class: "pending-file", "data-console": "pending-file", "data-name": file.name },
      preview,
      h("div", { class: "file-text" },
        h("span", { class: "file-name" }, file.name),
        h("span", { class: "file-size muted" }, fileSize(file.size)),
        entry.status,
        entry.progress,
        entry.errorEl),
      entry.remove);
    entry.li = li;
    setState(entry, "queued");
    return li;
  }

  function discard(entry) {
    const i = entries.indexOf(entry);
    if (i < 0) return;
    entries.splice(i, 1);
    if (entry.upload) entry.upload.abort(); // an upload already done is left for the server to expire
    entry.li.remove();
    list.hidden = !entries.length;
    settled();
  }

  const busy = () => entries.some((e) => e.state === "queued" || e.state === "uploading");

  function settled() {
    if (busy()) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  }

  // --- drop and paste ------------------------------------------------------------------------
  const carriesFiles = (ev) => ev.dataTransfer && [...ev.dataTransfer.types].includes("Files");
  let depth = 0;
  function onDragEnter(ev) {
    if (!carriesFiles(ev) || disabled) return;
    ev.preventDefault();
    depth += 1;
    dropZone.classList.add("dropping");
  }
  function onDragOver(ev) {
    if (!carriesFiles(ev) || disabled) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "copy";
  }
  function onDragLeave(ev) {
    if (!carriesFiles(ev)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) dropZone.classList.remove("dropping");
  }
  function onDrop(ev) {
    if (!carriesFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    dropZone.classList.remove("dropping");
    add([...ev.dataTransfer.files]);
  }
  function onPaste(ev) {
    const files = [...((ev.clipboardData && ev.clipboardData.files) || [])];
    if (!files.length || disabled) return;
    // A screenshot comes as a file alone; copied text with an image keeps its text too.
    if (![...ev.clipboardData.types].includes("text/plain")) ev.preventDefault();
    add(files);
  }
  if (dropZone) {
    dropZone.addEventListener("dragenter", onDragEnter);
    dropZone.addEventListener("dragover", onDragOver);
    dropZone.addEventListener("dragleave", onDragLeave);
    dropZone.addEventListener("drop", onDrop);
  }
  if (pasteTarget) pasteTarget.addEventListener("paste", onPaste);

  return {
    el,
    button,
    /** Add files as if picked (drop, paste and the button all come here). */
    add,
    /** Any file waiting, uploading, ready or refused? */
    hasFiles: () => entries.length > 0,
    /** Resolves once no upload is queued or running. */
    settle: () => (busy() ? new Promise((resolve) => waiters.push(resolve)) : Promise.resolve()),
    /**
     * The uploaded files to send now ({ids, entries}), marked as sending; throws with the
     * refusals while any refused file is still listed (the agent removes it, or picks again).
     */
    take() {
      const refused = entries.filter((e) => e.state === "failed");
      if (refused.length) {
        throw new Error(`Not sent: ${refused.length === 1 ? "a file was" : `${refused.length} files were`} not uploaded (${refused.map((e) => `“${e.file.name}”`).join(", ")}). Remove ${refused.length === 1 ? "it" : "them"} first.`);
      }
      const ready = entries.filter((e) => e.state === "done");
      for (const e of ready) setState(e, "sending");
      return { ids: ready.map((e) => e.attachment.id), entries: ready };
    },
    /** The files went out with the message: forget them. */
    sent(batch) {
      for (const e of batch.entries) discard(e);
    },
    /** Sending failed: they are ready to go again. */
    restore(batch) {
      for (const e of batch.entries) if (entries.includes(e)) setState(e, "done");
    },
    set disabled(value) {
      disabled = !!value;
      button.disabled = disabled;
    },
    destroy() {
      for (const e of [...entries]) if (e.state === "queued" || e.state === "uploading") e.upload.abort();
      if (dropZone) {
        dropZone.removeEventListener("dragenter", onDragEnter);
        dropZone.removeEventListener("dragover", onDragOver);
        dropZone.removeEventListener("dragleave", onDragLeave);
        dropZone.removeEventListener("drop", onDrop);
      }
      if (pasteTarget) pasteTarget.removeEventListener("paste", onPaste);
    },
  };
}
