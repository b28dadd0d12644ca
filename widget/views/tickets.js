// The "My tickets" tab: the visitor's own tickets, a lookup by reference + email (the public
// status endpoint), and a ticket's detail, kept current by the contact channel's ticket events.
// The detail is the tracking page's too (/track); here, since a module costs the size budget.

import { ApiError, retryKey } from "../shared/api.js";
import { clear, focusFirst, h, isEmail, linkify, show } from "../shared/dom.js";
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
// to path + "/responses".
const NO_REPLIES = ["CLOSED", "CANCELLED"];

export function createTicketDetail(ctx, { path, back, replied }) {
  const replyKey = retryKey(); // the same form sent again is the same create
  const { t, i18n, api } = ctx;
  let detail = null; // {ticket, own}
  let reloadTimer = null;

  const refEl = h("p", { class: "muted" });
  const titleEl = h("h3", { class: "detail__title", tabindex: -1 });
  const statusEl = h("span", { class: "status", "data-parley": "ticket-status" });
  const metaEl = h("dl", { class: "detail__meta" });
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
  const replyBox = h(
    "div",
    { class: "reply" },
    i18n.bind(h("label", { for: replyInput.id }), "yourReply"),
    replyInput,
    replyError,
    h("div", { class: "actions" }, replySend)
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
    thread,
    announcer,
    closedNote,
    replyBox
  );

  const statusText = (status) => t(`status.${status}`);

  function open(ticket, own) {
    detail = { ticket, own };
    replyInput.value = "";
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
      h("div", { class: "msg__body", "data-parley": "body" }, linkify(r.content))
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
    show(replyError, false);
    if (!content) {
      replyError.textContent = t("errRequired");
      show(replyError, true);
      replyInput.focus();
      return;
    }
    const ref = detail.ticket.reference;
    replySend.disabled = true;
    try {
      const r = await api("POST", `${path(ref)}/responses`, {
        body: { content },
        idempotencyKey: replyKey.for([ref, content])
      });
      replyKey.done();
      replyInput.value = "";
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
