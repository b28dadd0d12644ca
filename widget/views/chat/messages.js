// The message list: by id, then the pending ones (replaced by their stored copy), "Seen";
// loading it, and "Load earlier messages".

import { h, linkify, show } from "../../shared/dom.js";
import { filesEl, WIDGET_FILES } from "../tickets.js";

export function createMessages(s) {
  const { t, i18n, ctx, store, api } = s;
  const msgs = new Map(); // message id -> message
  const pendingEls = new Map(); // clientMessageId -> element of a message not stored yet
  let older = false; // the server has messages before the first one shown
  let loadingOlder = false;

  const list = h("div", {
    class: "messages",
    "data-parley": "messages",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    tabindex: 0
  });
  i18n.bind(list, "messagesLabel", null, "aria-label");
  const earlierButton = i18n.bind(
    h("button", {
      type: "button",
      class: "btn btn--quiet load-earlier",
      "data-parley": "load-earlier",
      hidden: true,
      onclick: loadEarlier
    }),
    "loadEarlier"
  );
  list.append(earlierButton);
  const receipt = i18n.bind(h("div", { class: "receipt", "data-parley": "receipt" }), "seen");

  function authorLabel(m) {
    if (m.authorType === "CONTACT") return t("you");
    if (m.authorType === "SYSTEM") return t("system");
    return m.authorName || t("agent");
  }

  function messageEl(m) {
    const author = String(m.authorType).toLowerCase();
    const el = h(
      "div",
      { class: `msg msg--${author}`, "data-parley": "message", "data-author": author },
      h(
        "div",
        { class: "msg__meta" },
        h("span", { class: author === "system" ? "vh" : "msg__author", "data-parley": "author" }, authorLabel(m)),
        h("time", { class: "msg__time" })
      ),
      h("div", { class: "msg__body", "data-parley": "body" }, linkify(m.body)),
      filesEl(ctx, WIDGET_FILES, m.attachments)
    );
    fill(el, m);
    return el;
  }

  function fill(el, m) {
    if (m.id) el.dataset.messageId = String(m.id);
    if (m.clientMessageId) el.dataset.clientId = m.clientMessageId;
    const time = el.querySelector("time");
    if (m.createdAt) {
      time.dateTime = m.createdAt;
      time.textContent = i18n.date(m.createdAt);
    }
    if (m.id) {
      el.removeAttribute("data-pending");
      el.querySelector(".msg__state")?.remove();
    }
  }

  function setState(el, key) {
    let state = el.querySelector(".msg__state");
    if (!state) el.append((state = h("div", { class: "msg__state" })));
    state.textContent = t(key);
  }

  function nearBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  }

  function scrollToEnd() {
    list.scrollTop = list.scrollHeight;
  }

  /** Put a stored message's element in id order, before any message not stored yet. */
  function place(el, id) {
    let before = null;
    for (const child of list.children) {
      if (child === el || child === earlierButton) continue;
      const other = child.dataset.messageId;
      if (!other || Number(other) > id) {
        before = child;
        break;
      }
    }
    if (el.nextSibling !== before || el.parentNode !== list) list.insertBefore(el, before);
  }

  /** Show a stored message once; `live` ones (from the socket) are announced to the page. */
  function upsert(m, live) {
    const conv = s.conv;
    if (!conv || m.conversationId !== conv.id || msgs.has(m.id)) return false;
    const stick = nearBottom() || m.authorType === "CONTACT";
    msgs.set(m.id, m);
    const cid = m.clientMessageId;
    if (cid) store.done(cid); // delivered: no tab needs to send it again
    let el = cid
      ? pendingEls.get(cid) || list.querySelector(`[data-client-id="${CSS.escape(cid)}"]:not([data-message-id])`)
      : null;
    if (el) {
      pendingEls.delete(cid);
      el.removeAttribute("data-failed");
      fill(el, m);
    } else {
      el = list.querySelector(`[data-message-id="${m.id}"]`) || messageEl(m);
    }
    place(el, m.id);
    if (stick) scrollToEnd();
    if (live && m.authorType !== "CONTACT") {
      ctx.emit("message", { ...m });
    }
    return true;
  }

  function renderReceipt() {
    let last = null;
    for (const child of list.children) {
      if (child.dataset.author === "contact" && child.dataset.messageId) last = child;
    }
    const conv = s.conv;
    const seen = last && conv && conv.agentLastReadId && conv.agentLastReadId >= Number(last.dataset.messageId);
    if (seen) last.append(receipt);
    else receipt.remove();
  }

  /** Remove the messages shown, but not those still pending. */
  function clear() {
    msgs.clear();
    const keep = new Set([...pendingEls.values(), earlierButton]);
    for (const child of [...list.children]) if (!keep.has(child)) child.remove();
    older = false;
    show(earlierButton, false);
  }

  function maxId(filter) {
    let max = 0;
    for (const m of msgs.values()) if (m.id > max && (!filter || filter(m))) max = m.id;
    return max;
  }

  // the customer's messages not stored yet
  function addPending(item) {
    if (pendingEls.has(item.clientMessageId)) return;
    const el = messageEl({ authorType: "CONTACT", ...item });
    el.dataset.pending = "true";
    setState(el, "sending");
    pendingEls.set(item.clientMessageId, el);
    list.append(el);
    scrollToEnd();
  }

  function failed(item, key) {
    const el = pendingEls.get(item.clientMessageId);
    pendingEls.delete(item.clientMessageId);
    if (!el) return;
    el.removeAttribute("data-pending");
    el.dataset.failed = "true";
    setState(el, key);
  }

  function removePending(item) {
    const el = pendingEls.get(item.clientMessageId);
    pendingEls.delete(item.clientMessageId);
    if (el) el.remove();
  }

  // loading
  async function load() {
    const id = s.conv.id;
    const path = `/api/embed/conversations/${id}/messages`;
    const after = maxId();
    list.setAttribute("aria-busy", "true"); // history is not news: do not read it all out
    try {
      await loadPages(id, path, after);
    } finally {
      list.removeAttribute("aria-busy");
    }
    if (!after) scrollToEnd();
    s.render();
    s.maybeMarkRead();
  }

  async function loadPages(id, path, after) {
    if (!after) {
      const page = await api("GET", path, { query: { limit: 50 } });
      if (!s.conv || s.conv.id !== id) return;
      page.items.forEach((m) => upsert(m, false));
      older = page.hasMore && page.items.length > 0;
      show(earlierButton, older);
    } else {
      for (;;) {
        const page = await api("GET", path, { query: { after, limit: 100 } });
        if (!s.conv || s.conv.id !== id) return;
        page.items.forEach((m) => upsert(m, false));
        if (!page.hasMore || !page.items.length) break;
        after = page.items[page.items.length - 1].id;
      }
    }
  }

  /** The page of messages before the first one shown, keeping in place what the customer
   * looks at (everything new goes above it). */
  async function loadEarlier() {
    if (!s.conv || !older || loadingOlder) return;
    const id = s.conv.id;
    let before = Infinity;
    for (const m of msgs.values()) before = Math.min(before, m.id);
    const anchor = list.querySelector("[data-message-id]");
    loadingOlder = earlierButton.disabled = true;
    list.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", `/api/embed/conversations/${id}/messages`, { query: { limit: 50, before } });
      if (!s.conv || s.conv.id !== id) return;
      const top = anchor && anchor.getBoundingClientRect().top;
      page.items.forEach((m) => upsert(m, false));
      older = page.hasMore && page.items.length > 0;
      const focused = list.getRootNode().activeElement === earlierButton;
      show(earlierButton, older);
      if (anchor) list.scrollTop += anchor.getBoundingClientRect().top - top;
      if (focused && !older) list.focus({ preventScroll: true });
      s.render();
    } catch (err) {
      ctx.notice.error(err);
    } finally {
      loadingOlder = earlierButton.disabled = false;
      list.removeAttribute("aria-busy");
    }
  }

  return {
    list,
    load,
    upsert,
    renderReceipt,
    clear,
    addPending,
    failed,
    removePending,
    maxId,
    reset() {
      pendingEls.clear();
      clear();
    }
  };
}
