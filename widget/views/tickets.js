// The "My tickets" tab: the visitor's own tickets, a lookup by reference + email (the public
// status endpoint), and a ticket's detail, kept current by the contact channel's ticket events.
// The detail is the tracking page's too (/track); here, since a module costs the size budget.

import { ApiError, retryKey } from "../shared/api.js";
import { clear, focusFirst, h, isEmail, linkify, s, safeHref, show } from "../shared/dom.js";
import { TICKET_DELETED, TICKET_RESPONSE_ADDED, TICKET_STATUS_CHANGED } from "../shared/events.js";

const PAGE_SIZE = 20;
const ownPath = (ref) => `/api/embed/tickets/${encodeURIComponent(ref)}`;

export function createTickets(ctx) {
  const { t, i18n, api } = ctx;
  let items = [];
  let total = 0;
  let page = 1;
  let loaded = false;

  // overview: own tickets and the lookup form
  const listEl = h("ul", { class: "ticket-list", "data-parley": "tickets" });
  const emptyEl = i18n.bind(h("p", { class: "muted", hidden: true }), "noTickets");
  const moreButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--quiet", hidden: true, onclick: loadMore }),
    "showMore"
  );
  const own = h(
    "section",
    { class: "tickets-own" },
    i18n.bind(h("h3"), "yourTickets"),
    listEl,
    emptyEl,
    moreButton
  );
  const refInput = h("input", { name: "ref", id: "parley-lookup-ref", autocomplete: "off", maxlength: 40 });
  const lookupEmail = h("input", {
    name: "email",
    id: "parley-lookup-email",
    type: "email",
    autocomplete: "email"
  });
  const lookupError = h("p", {
    class: "field-error",
    id: "parley-lookup-err",
    "data-parley": "lookup-error",
    role: "alert",
    hidden: true
  });
  refInput.setAttribute("aria-describedby", lookupError.id);
  lookupEmail.setAttribute("aria-describedby", lookupError.id);
  const lookupButton = i18n.bind(
    h("button", { type: "submit", class: "btn btn--primary", "data-parley": "lookup-submit" }),
    "lookupSubmit"
  );
  const lookup = h(
    "form",
    { class: "form lookup", "data-parley": "lookup", novalidate: true, onsubmit: onLookup },
    i18n.bind(h("h3"), "lookupTitle"),
    h("div", { class: "field" }, i18n.bind(h("label", { for: refInput.id }), "reference"), refInput),
    h("div", { class: "field" }, i18n.bind(h("label", { for: lookupEmail.id }), "email"), lookupEmail),
    lookupError,
    h("div", { class: "actions" }, lookupButton)
  );
  const overview = h("div", { class: "tickets-overview" }, own, lookup);

  const detail = createTicketDetail(ctx, { path: ownPath, back: closeDetail, replied: upsertItem });
  const el = h("div", { class: "tickets-view" }, overview, detail.el);

  // list
  function renderList() {
    clear(listEl);
    for (const tk of items) {
      listEl.append(
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "ticket-item",
              "data-parley": "ticket-item",
              "data-ref": tk.reference,
              onclick: () => openOwn(tk.reference)
            },
            h("span", { class: "ticket-item__ref" }, tk.reference),
            h("span", { class: "ticket-item__subject" }, tk.subject),
            h("span", { class: `status status--${tk.status.toLowerCase()}` }, t(`status.${tk.status}`))
          )
        )
      );
    }
    show(own, ctx.hasSession());
    show(emptyEl, loaded && !items.length);
    show(moreButton, items.length < total);
  }

  function upsertItem(ticket) {
    if (!ticket || !ticket.reference) return;
    const row = {
      reference: ticket.reference,
      subject: ticket.subject,
      status: ticket.status,
      createdAt: ticket.createdAt,
      updatedAt: ticket.updatedAt
    };
    const i = items.findIndex((x) => x.reference === row.reference);
    if (i >= 0) items[i] = { ...items[i], ...row };
    else {
      items.unshift(row);
      total += 1;
    }
    loaded = true;
    renderList();
  }

  async function refetch() {
    if (!ctx.hasSession()) return;
    const r = await api("GET", "/api/embed/tickets", { query: { page: 1, pageSize: PAGE_SIZE } });
    items = r.items;
    total = r.total;
    page = 1;
    loaded = true;
    renderList();
    await detail.reload();
  }

  async function loadMore() {
    try {
      const r = await api("GET", "/api/embed/tickets", { query: { page: page + 1, pageSize: PAGE_SIZE } });
      page += 1;
      total = r.total;
      for (const row of r.items) if (!items.some((x) => x.reference === row.reference)) items.push(row);
      renderList();
    } catch (err) {
      ctx.notice.error(err);
    }
  }

  function showDetail(ticket, isOwn) {
    show(overview, false);
    detail.open(ticket, isOwn);
  }

  function closeDetail() {
    const ref = detail.shown();
    detail.close();
    show(overview, true);
    const item = ref && listEl.querySelector(`[data-ref="${CSS.escape(ref)}"]`);
    if (item) item.focus();
    else focusFirst(overview);
  }

  async function openOwn(ref) {
    try {
      const r = await api("GET", ownPath(ref));
      showDetail(r.ticket, true);
    } catch (err) {
      ctx.notice.error(err);
    }
  }

  function ownRef(ref) {
    const wanted = ref.trim().toUpperCase();
    const row = items.find((x) => x.reference.toUpperCase() === wanted);
    return row ? row.reference : null;
  }

  /** From a tracking link (#parley-ticket=REF) or the chat: the ticket if it is one of the
   * visitor's own, else the lookup form with the reference filled in. A visitor without a
   * session has no tickets: no session is made just to find that out. */
  async function openRef(ref) {
    if (detail.shown()) closeDetail();
    refInput.value = ref;
    show(lookupError, false);
    if (ctx.hasSession()) {
      try {
        if (!loaded || !ownRef(ref)) await refetch();
        const mine = ownRef(ref);
        if (mine) {
          const r = await api("GET", ownPath(mine));
          showDetail(r.ticket, true);
          return;
        }
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) console.warn("Parley:", err);
      }
    }
    lookupEmail.focus();
  }

  function lookupFailed(text) {
    lookupError.textContent = text;
    show(lookupError, true);
  }

  async function onLookup(ev) {
    ev.preventDefault();
    show(lookupError, false);
    const ref = refInput.value.trim();
    const email = lookupEmail.value.trim();
    if (!ref || !email) {
      lookupFailed(t("lookupMissing"));
      (ref ? lookupEmail : refInput).focus();
      return;
    }
    if (!isEmail(email)) {
      lookupFailed(t("errEmail"));
      lookupEmail.focus();
      return;
    }
    lookupButton.disabled = true;
    try {
      const r = await api("GET", "/api/embed/tickets/status", {
        query: { siteKey: ctx.siteKey, ref, email },
        auth: false
      });
      showDetail(r.ticket, !!ownRef(r.ticket.reference));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 404) lookupFailed(t("lookupNotFound"));
      else if (err.status === 429) lookupFailed(t("pleaseWait", { n: Math.ceil(err.retryAfter || 60) }));
      else if (err.network) lookupFailed(t("errNetwork"));
      else lookupFailed(err.message || t("errGeneric"));
    } finally {
      lookupButton.disabled = false;
    }
  }

  /** A ticket event from the contact channel (`ticket` is the public projection). */
  function apply(event, data) {
    const ticket = data.ticket;
    const ref = ticket ? ticket.reference : data.reference;
    const open = detail.shown() === ref;
    if (event === TICKET_DELETED) {
      const before = items.length;
      items = items.filter((x) => x.reference !== ref);
      total -= before - items.length;
      renderList();
      if (open) {
        closeDetail();
        ctx.notice.show(t("ticketDeleted"));
      }
      return;
    }
    upsertItem(ticket);
    if (open) detail.apply(event, data);
  }

  renderList();
  return {
    el,
    refetch,
    apply,
    upsertItem,
    openRef,
    render() {
      renderList();
      detail.render();
    },
    focus() {
      if (detail.shown()) detail.focus();
      else (listEl.querySelector("button") || refInput).focus();
    },
    reset() {
      items = [];
      total = 0;
      loaded = false;
      if (detail.shown()) closeDetail();
      renderList();
    }
  };
}

// One ticket as its customer sees it, with a reply box. `path(ref)`: where it is read; replies go
// to path + "/responses"; `files`: where its files are uploaded and read.
const NO_REPLIES = ["CLOSED", "CANCELLED"];

export function createTicketDetail(ctx, { path, back, replied, files: filesPath = WIDGET_FILES }) {
  const replyKey = retryKey(); // the same form sent again is the same create
  const { t, i18n, api } = ctx;
  let detail = null; // {ticket, own}
  let reloadTimer = null;

  const refEl = h("p", { class: "muted" });
  const titleEl = h("h3", { class: "detail__title", tabindex: -1 });
  const statusEl = h("span", { class: "status", "data-parley": "ticket-status" });
  const metaEl = h("dl", { class: "detail__meta" });
  const filesBox = h("div");
  const thread = h("ol", { class: "thread" });
  // The thread is redrawn on every change; only what is new is read out, from here.
  const announcer = h("p", { class: "vh", role: "status" });
  const replyInput = h("textarea", { "data-parley": "ticket-reply", id: "parley-ticket-reply", rows: 3 });
  const replyError = h("p", { class: "field-error", id: "parley-reply-err", role: "alert", hidden: true });
  replyInput.setAttribute("aria-describedby", replyError.id);
  const replySend = i18n.bind(
    h("button", { type: "button", class: "btn btn--primary", "data-parley": "ticket-reply-send", onclick: sendReply }),
    "sendReply"
  );
  const replyBox = h("div", { class: "reply" });
  const files = createPicker(ctx, filesPath, replyBox);
  replyBox.append(
    i18n.bind(h("label", { for: replyInput.id }), "yourReply"),
    replyInput,
    files.list,
    replyError,
    h("div", { class: "actions" }, files.button, replySend)
  );
  const closedNote = i18n.bind(h("p", { class: "muted", hidden: true }), "ticketClosed");
  const el = h(
    "section",
    { class: "detail", "data-parley": "ticket-detail", hidden: true },
    back &&
      i18n.bind(
        h("button", { type: "button", class: "btn btn--quiet", "data-parley": "back-to-tickets", onclick: back }),
        "backToTickets"
      ),
    refEl,
    titleEl,
    h("p", {}, statusEl),
    metaEl,
    filesBox,
    thread,
    announcer,
    closedNote,
    replyBox
  );

  const statusText = (status) => t(`status.${status}`);

  function open(ticket, own) {
    detail = { ticket, own };
    replyInput.value = "";
    files.clear();
    show(replyError, false);
    render();
    show(el, true);
    titleEl.focus();
  }

  function render() {
    if (!detail) return;
    const tk = detail.ticket;
    el.dataset.ref = tk.reference;
    refEl.textContent = tk.reference;
    titleEl.textContent = tk.subject;
    statusEl.dataset.status = tk.status;
    statusEl.className = `status status--${tk.status.toLowerCase()}`;
    statusEl.textContent = statusText(tk.status);
    const meta = [];
    if (tk.priority) meta.push(["priority", t(`priority.${tk.priority}`)]);
    if (tk.category) meta.push(["category", tk.category]);
    if (tk.createdAt) meta.push(["created", i18n.date(tk.createdAt, true)]);
    metaEl.replaceChildren(...meta.flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)]));
    filesBox.replaceChildren(filesEl(ctx, filesPath, tk.attachments) || "");

    // One thread in time order: public replies, with the status changes between them.
    const entries = (tk.responses || []).map((r) => ({ at: r.createdAt, response: r }));
    for (const e of tk.timeline || []) if (e.kind !== "reply") entries.push({ at: e.at, event: e });
    entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    clear(thread);
    for (const entry of entries) thread.append(entry.response ? responseEl(entry.response) : eventEl(entry.event));

    const closed = NO_REPLIES.includes(tk.status);
    show(replyBox, detail.own && !closed);
    show(closedNote, detail.own && closed);
  }

  function responseEl(r) {
    const mine = r.authorType === "CUSTOMER";
    return h(
      "li",
      {
        class: `resp ${mine ? "resp--mine" : "resp--theirs"}`,
        "data-parley": "ticket-response",
        "data-response-id": r.id
      },
      h(
        "div",
        { class: "msg__meta" },
        h("span", { class: "msg__author" }, mine ? t("you") : r.authorName || t("support")),
        h("time", { datetime: r.createdAt }, i18n.date(r.createdAt, true))
      ),
      h("div", { class: "msg__body", "data-parley": "body" }, linkify(r.content)),
      filesEl(ctx, filesPath, r.attachments)
    );
  }

  function eventEl(e) {
    const text = e.kind === "created" ? t("timelineCreated") : t("timelineStatus", { status: statusText(e.status) });
    return h(
      "li",
      { class: "thread__event", "data-parley": "timeline-event", "data-kind": e.kind },
      text,
      " · ",
      h("time", { datetime: e.at }, i18n.date(e.at, true))
    );
  }

  function addResponse(response) {
    const responses = detail.ticket.responses || [];
    if (response && !responses.some((r) => r.id === response.id)) {
      detail.ticket = { ...detail.ticket, responses: [...responses, response] };
    }
  }

  async function reload() {
    if (!detail || !detail.own) return;
    const ref = detail.ticket.reference;
    try {
      const r = await api("GET", path(ref));
      if (detail && detail.ticket.reference === ref) {
        detail = { ticket: r.ticket, own: true };
        render();
      }
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) console.warn("Parley:", err);
    }
  }

  function scheduleReload() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(reload, 250);
  }

  async function sendReply() {
    if (!detail) return;
    const content = replyInput.value.trim();
    const attachmentIds = files.ids();
    show(replyError, false);
    if (files.busy() || (!content && !attachmentIds.length)) {
      replyError.textContent = t(files.busy() ? "filesBusy" : "errRequired");
      show(replyError, true);
      replyInput.focus();
      return;
    }
    const ref = detail.ticket.reference;
    replySend.disabled = true;
    try {
      const r = await api("POST", `${path(ref)}/responses`, {
        body: { content, attachmentIds },
        idempotencyKey: replyKey.for([ref, content, attachmentIds])
      });
      replyKey.done();
      replyInput.value = "";
      files.clear();
      if (detail && detail.ticket.reference === ref) {
        detail.ticket = r.ticket;
        addResponse(r.response);
        render();
      }
      if (replied) replied(r.ticket);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      let text = err.network ? t("errNetwork") : err.message || t("errGeneric");
      const closed = err.code === "ticket_closed";
      if (closed) text = t("ticketClosed");
      else if (err.status === 422 && err.fields) text = err.fields.content || Object.values(err.fields)[0];
      else if (err.status === 429) {
        ctx.notice.wait(err.retryAfter || 5);
        text = t("pleaseWait", { n: Math.ceil(err.retryAfter || 5) });
      }
      replyError.textContent = text;
      show(replyError, true);
      if (closed) scheduleReload();
    } finally {
      replySend.disabled = false;
    }
  }

  /** An event (not a deletion) for the ticket shown. */
  function apply(event, data) {
    const { subject, status, updatedAt } = data.ticket;
    detail.ticket = { ...detail.ticket, subject, status, updatedAt };
    if (event === TICKET_RESPONSE_ADDED && data.response) {
      addResponse(data.response);
      if (data.response.authorType !== "CUSTOMER") {
        announcer.textContent = t("newReply", { name: data.response.authorName || t("support") });
      }
    } else if (event === TICKET_STATUS_CHANGED) {
      announcer.textContent = t("timelineStatus", { status: statusText(status) });
    }
    detail.own = true; // it came on this customer's own channel
    render();
    scheduleReload(); // the timeline, priority and category come with the full view
  }

  return {
    el,
    open,
    render,
    reload,
    apply,
    shown: () => detail && detail.ticket.reference,
    close() {
      detail = null;
      show(el, false);
    },
    focus: () => titleEl.focus()
  };
}

// --- files: the picker, and the files of a message or reply; the chat's and the ticket form's
// too (here for the size budget: see README.md) ---------------------------------------------

export const WIDGET_FILES = "/api/embed/attachments";
// The most files one message, reply or ticket takes (MAX_ATTACHMENTS_PER_ITEM on the server).
const MAX_FILES = 20;
// A preview reads the image whole: none for bigger ones.
const MAX_PREVIEW = 10 * 2 ** 20;
const CLIP = "M16 7v9a4 4 0 0 1-8 0V6a2.5 2.5 0 0 1 5 0v9a1 1 0 0 1-2 0V8"; // a paperclip, stroked
const thumbs = new Map(); // thumbnail path -> Promise of its data: URL

// data: URLs, not blob: ones, which the tracking page's CSP (img-src 'self' data:) refuses.
const dataUrl = (blob) =>
  new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = reject;
    r.readAsDataURL(blob);
  });

/** "840 B", "12 KB", "3.4 MB": binary units, as the server counts. */
function fileSize(n, lang) {
  let i = 0;
  for (; n >= 1024 && i < 2; i++) n /= 1024;
  return `${n.toLocaleString(lang, { maximumFractionDigits: i && n < 10 ? 1 : 0 })} ${["B", "KB", "MB"][i]}`;
}

// A file's picture (the image once `load` has it and it decodes, else the extension), name, size.
function fileParts(name, size, lang, load) {
  const box = h("span", { class: "file__thumb", "aria-hidden": "true" }, (/\.(\w{1,4})$/.exec(name) || "")[1]);
  if (load) load.then((src) => h("img", { src, alt: "", onload: (ev) => box.replaceChildren(ev.target) }), () => {});
  return [box, h("span", { class: "file__name" }, name), h("span", { class: "file__size" }, fileSize(size, lang))];
}

/** The files on a message or reply, each a button that opens it; null when there are none. */
export function filesEl(ctx, path, list) {
  if (!list?.length) return null;
  return h(
    "ul",
    { class: "files" },
    list.map((a) => {
      const url = `${path}/${a.id}`;
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "file",
            "data-parley": "attachment",
            "data-attachment-id": a.id,
            onclick: () => openFile(ctx, url)
          },
          fileParts(a.filename, a.size, ctx.i18n.lang, a.thumbnail && thumbnail(ctx, `${url}/thumbnail`))
        )
      );
    })
  );
}

function thumbnail(ctx, url) {
  if (!thumbs.has(url)) {
    const p = ctx.api("GET", url, { blob: true }).then(dataUrl);
    p.catch(() => thumbs.delete(url)); // to try again
    thumbs.set(url, p);
  }
  return thumbs.get(url);
}

// A link lives five minutes: a new one at each click (and never the token in a URL).
async function openFile(ctx, url) {
  try {
    const href = safeHref((await ctx.api("POST", `${url}/link`)).url);
    if (href) window.open(href, "_blank", "noopener,noreferrer");
  } catch (err) {
    ctx.notice.error(err);
  }
}

/** The files being attached in a composer or form: `button` and `list` go in it, and files
 * dropped on `target` or pasted into it arrive too. Each is uploaded to `path` at once. */
export function createPicker(ctx, path, target) {
  const { t, i18n } = ctx;
  const items = new Set(); // {file, el, stop, done (the stored attachment), error}
  let limit; // the server's largest file (GET …/limits), asked once

  const input = h("input", {
    type: "file",
    multiple: true,
    hidden: true,
    "data-parley": "file-input",
    onchange() {
      add([...input.files]);
      input.value = "";
    }
  });
  const button = h(
    "button",
    { type: "button", class: "btn btn--quiet", "data-parley": "attach", onclick: () => input.click() },
    s(
      "svg",
      { viewBox: "0 0 24 24", width: 20, display: "block", "aria-hidden": "true" },
      s("path", { d: CLIP, fill: "none", stroke: "currentColor", "stroke-width": 2 })
    )
  );
  i18n.bind(button, "attach", null, "title");
  const list = h("div", { class: "files", "data-parley": "pending-files", hidden: true });
  target.append(input);

  const dropping = (on) => target.classList.toggle("is-drop", on);
  target.addEventListener("dragover", (ev) => {
    if (!ev.dataTransfer.types.includes("Files")) return;
    ev.preventDefault();
    dropping(true);
  });
  target.addEventListener("dragleave", () => dropping(false));
  target.addEventListener("drop", (ev) => take(ev, ev.dataTransfer));
  target.addEventListener("paste", (ev) => take(ev, ev.clipboardData));

  function take(ev, data) {
    dropping(false);
    if (!data?.files.length) return;
    ev.preventDefault();
    add([...data.files]);
  }

  function add(files) {
    for (const file of files) {
      const name = file.name;
      const bar = h("progress", { max: 100, value: 0, "aria-label": name });
      const el = h(
        "div",
        { class: "file", "data-parley": "pending-file", "data-state": "uploading" },
        fileParts(name, file.size, i18n.lang, /^image\//.test(file.type) && file.size <= MAX_PREVIEW && dataUrl(file)),
        h("button", {
          type: "button",
          class: "file__remove",
          "data-parley": "remove-file",
          "aria-label": t("removeFile", { name }),
          onclick() {
            drop(item);
            button.focus();
          },
          text: "×"
        }),
        bar
      );
      const item = { file, el, stop: new AbortController() };
      items.add(item);
      list.append(el);
      show(list, true);
      if ([...items].filter((i) => !i.error).length > MAX_FILES) refuse(item, t("tooManyFiles", { n: MAX_FILES }));
      else upload(item, bar);
    }
  }

  async function upload(item, bar) {
    limit ||= ctx.api("GET", `${path}/limits`).then((r) => r.maxFileBytes, () => Infinity);
    const max = await limit;
    if (!items.has(item)) return; // removed meanwhile
    if (item.file.size > max) return refuse(item, tooBig(item.file.name, max));
    const form = new FormData();
    form.append("file", item.file, item.file.name);
    try {
      const r = await ctx.api("POST", path, {
        form,
        signal: item.stop.signal,
        progress: (p) => (bar.value = p * 100)
      });
      item.done = r.attachments[0];
      bar.value = 100;
      item.el.dataset.state = "done";
    } catch (err) {
      if (items.has(item)) refuse(item, refusal(err, item.file.name));
    }
  }

  // The server's refusal in the customer's language, naming the file; else its own words.
  function refusal(err, name) {
    const e = err.error || {};
    if (err.code === "payload_too_large" && e.limitBytes) return tooBig(name, e.limitBytes);
    if (err.code === "file_type_not_allowed") return t("fileType", { name, type: e.detectedType });
    if (err.status === 429) return t("fileWait", { n: Math.ceil(err.retryAfter || 5) });
    return err.network ? t("errNetwork") : err.message || t("errGeneric");
  }

  const tooBig = (name, n) => t("fileTooBig", { name, limit: fileSize(n, i18n.lang) });

  function refuse(item, text) {
    item.error = text;
    item.el.dataset.state = "failed";
    item.el.append(h("p", { class: "field-error", "data-parley": "file-error", role: "alert" }, text));
    item.el.scrollIntoView({ block: "nearest" });
  }

  function drop(item) {
    item.stop.abort();
    items.delete(item);
    item.el.remove();
    show(list, items.size > 0);
  }

  const done = () => [...items].filter((i) => i.done).map((i) => i.done);
  return {
    button,
    list,
    /** The stored attachments, to send with the message (`attachmentIds`). */
    done,
    ids: () => done().map((a) => a.id),
    busy: () => [...items].some((i) => !i.done && !i.error),
    clear: () => items.forEach(drop)
  };
}
