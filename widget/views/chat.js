// The Chat tab: pre-chat form, messages, composer, typing both ways, queue position, read
// receipts, ending, escalation, and the outbox.
//
// Every message the customer writes gets a clientMessageId and is shown at once as pending. It
// waits in the outbox (persisted with the rest of the widget's storage) until the socket is up,
// then is POSTed; the server stores a clientMessageId once, so sending it again after a drop is
// safe. The stored message (the POST answer or its echo on the contact channel, whichever comes
// first) replaces the pending copy. Messages are keyed by id: none is ever shown twice.

import { ApiError } from "../lib/api.js";
import { focusFirst, h, isEmail, linkify, markFields, show, uuid } from "../lib/dom.js";

const MAX_BODY = 5000;
const TYPING_IDLE_MS = 3000;

export function createChat(ctx) {
  const { t, i18n, api, store } = ctx;
  const st = store.state;

  let conv = null; // the customer's view of the conversation shown
  const msgs = new Map(); // message id -> message
  const pendingEls = new Map(); // clientMessageId -> element of a message not stored yet
  const presence = new Map(); // person -> entry, on the conversation channel
  let channel = null; // the conversation channel subscribed (typing and presence)
  let lastReadSent = 0;
  let composing = false;
  let typingTimer = null;
  let flushing = false;
  let pausedUntil = 0;
  let retryTimer = null;
  let prefilledFor = null;
  let older = false; // the server has messages before the first one shown
  let loadingOlder = false;

  // --- pre-chat form ------------------------------------------------------------------------
  const errors = {};
  function field(input, label) {
    const name = input.name;
    const error = h("p", {
      class: "field-error",
      id: `parley-pc-err-${name}`,
      "data-parley": "prechat-error",
      "data-field": name,
      hidden: true
    });
    errors[name] = { input, error };
    input.id = `parley-pc-${name}`;
    input.addEventListener("input", () => clearError(errors[name]));
    input.setAttribute("aria-describedby", error.id);
    return h("div", { class: "field" }, h("label", { for: input.id }, label), input, error);
  }
  const nameInput = h("input", { name: "name", autocomplete: "name", maxlength: 200 });
  const emailInput = h("input", { name: "email", type: "email", autocomplete: "email", maxlength: 254 });
  const messageInput = h("textarea", { name: "message", rows: 3, maxlength: MAX_BODY });
  const nameLabel = h("span");
  const emailLabel = h("span");
  const nameRow = field(nameInput, nameLabel);
  const emailRow = field(emailInput, emailLabel);
  const messageRow = field(messageInput, i18n.bind(h("span"), "message"));
  const greeting = h("p", { class: "greeting" });
  const startButton = i18n.bind(
    h("button", { type: "submit", class: "btn btn--primary", "data-parley": "start-chat" }),
    "startChat"
  );
  const prechat = h(
    "form",
    { class: "form", "data-parley": "prechat", novalidate: true, onsubmit: startChat },
    greeting,
    nameRow,
    emailRow,
    messageRow,
    h("div", { class: "actions" }, startButton)
  );

  // --- the chat itself ----------------------------------------------------------------------
  const queueEl = h("p", { class: "banner", "data-parley": "queue", role: "status", hidden: true });
  const ticketEl = h("button", {
    type: "button",
    class: "banner banner--ticket",
    "data-parley": "chat-ticket",
    hidden: true,
    onclick: () => conv && conv.ticket && ctx.openTicket(conv.ticket.reference)
  });
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
  const typingEl = h("p", { class: "typing", "data-parley": "typing", hidden: true });
  const composer = h("textarea", {
    class: "composer__input",
    "data-parley": "composer",
    rows: 2,
    maxlength: MAX_BODY,
    oninput: onComposerInput,
    onkeydown: (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        send();
      }
    }
  });
  i18n.bind(composer, "composerLabel", null, "aria-label");
  i18n.bind(composer, "composerPlaceholder", null, "placeholder");
  const sendButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--primary", "data-parley": "send", onclick: send }),
    "send"
  );
  const endButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--quiet", "data-parley": "end-chat", onclick: endChat }),
    "endChat"
  );
  const composeBox = h(
    "div",
    { class: "composer" },
    composer,
    h("div", { class: "actions" }, endButton, sendButton)
  );
  const newChatButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--primary", "data-parley": "new-chat", onclick: newChat }),
    "newChat"
  );
  const endedBox = h(
    "div",
    { class: "ended", hidden: true },
    i18n.bind(h("p"), "chatEnded"),
    newChatButton
  );
  const chatBox = h(
    "div",
    { class: "chat", hidden: true },
    queueEl,
    ticketEl,
    list,
    typingEl,
    composeBox,
    endedBox
  );
  const el = h("div", { class: "chat-view" }, prechat, chatBox);

  for (const item of st.outbox) addPending(item);
  render();

  // --- rendering ----------------------------------------------------------------------------
  function startPending() {
    return st.outbox.some((item) => item.kind === "start");
  }

  function inChat() {
    return !!conv || startPending();
  }

  function render() {
    const config = ctx.config();
    const pc = (config.widget && config.widget.preChat) || {};
    const contact = ctx.contact() || {};
    const chatting = inChat();
    show(prechat, !chatting);
    show(chatBox, chatting);
    greeting.textContent = (config.widget && config.widget.greeting) || "";
    show(greeting, !!greeting.textContent);
    show(nameRow, pc.name !== "hidden");
    show(emailRow, pc.email !== "hidden");
    nameLabel.textContent = t(pc.name === "required" && !contact.name ? "name" : "nameOptional");
    emailLabel.textContent = t(pc.email === "required" && !contact.email ? "email" : "emailOptional");
    if (contact.id && contact.id !== prefilledFor) {
      prefilledFor = contact.id;
      if (!nameInput.value && contact.name) nameInput.value = contact.name;
      if (!emailInput.value && contact.email) emailInput.value = contact.email;
    }

    const ended = !!conv && conv.status === "ENDED";
    show(composeBox, chatting && !ended);
    show(endedBox, ended);
    endButton.disabled = !conv;
    const waiting = !!conv && conv.status === "WAITING";
    show(queueEl, waiting);
    queueEl.textContent = !waiting
      ? ""
      : conv.queuePosition
        ? t("queuePosition", { n: conv.queuePosition })
        : t("waitingForAgent");
    const ticket = conv && conv.ticket;
    show(ticketEl, !!ticket);
    ticketEl.textContent = ticket ? t("chatTicket", { ref: ticket.reference }) : "";
    if (ticket) ticketEl.dataset.ref = ticket.reference;
    else delete ticketEl.dataset.ref;
    renderReceipt();
    renderTyping();
    ctx.changed();
  }

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
      h("div", { class: "msg__body", "data-parley": "body" }, linkify(m.body))
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
    const seen = last && conv && conv.agentLastReadId && conv.agentLastReadId >= Number(last.dataset.messageId);
    if (seen) last.append(receipt);
    else receipt.remove();
  }

  function renderTyping() {
    const names = [];
    for (const entry of presence.values()) {
      if (String(entry.person).startsWith("agent:") && entry.composing) names.push(entry.name || t("agent"));
    }
    const visible = names.length > 0 && !!conv && conv.status !== "ENDED";
    typingEl.textContent = visible ? t("typing", { name: names.join(", ") }) : "";
    show(typingEl, visible);
  }

  // --- conversation state -------------------------------------------------------------------
  function setConversation(c) {
    if (!conv || conv.id !== c.id) {
      msgs.clear();
      lastReadSent = 0;
      clearList();
    }
    conv = c;
    if (st.conversationId !== c.id) {
      st.conversationId = c.id;
      store.save();
    }
    syncChannel();
    render();
  }

  function dropConversation() {
    conv = null;
    msgs.clear();
    st.conversationId = null;
    store.save();
    clearList();
    syncChannel();
    render();
  }

  /** Remove the messages shown, but not those still pending. */
  function clearList() {
    const keep = new Set([...pendingEls.values(), earlierButton]);
    for (const child of [...list.children]) if (!keep.has(child)) child.remove();
    older = false;
    show(earlierButton, false);
  }

  function syncChannel() {
    const want = conv && conv.status !== "ENDED" ? `conversation:${conv.id}` : null;
    if (want === channel) return;
    if (channel) ctx.unsubscribe(channel);
    channel = want;
    presence.clear();
    composing = false;
    if (want) ctx.subscribe(want);
  }

  function maxId(filter) {
    let max = 0;
    for (const m of msgs.values()) if (m.id > max && (!filter || filter(m))) max = m.id;
    return max;
  }

  async function loadMessages() {
    const id = conv.id;
    const path = `/api/embed/conversations/${id}/messages`;
    const after = maxId();
    list.setAttribute("aria-busy", "true"); // history is not news: do not read it all out
    try {
      await loadPages(id, path, after);
    } finally {
      list.removeAttribute("aria-busy");
    }
    if (!after) scrollToEnd();
    render();
    maybeMarkRead();
  }

  async function loadPages(id, path, after) {
    if (!after) {
      const page = await api("GET", path, { query: { limit: 50 } });
      if (!conv || conv.id !== id) return;
      page.items.forEach((m) => upsert(m, false));
      older = page.hasMore && page.items.length > 0;
      show(earlierButton, older);
    } else {
      for (;;) {
        const page = await api("GET", path, { query: { after, limit: 100 } });
        if (!conv || conv.id !== id) return;
        page.items.forEach((m) => upsert(m, false));
        if (!page.hasMore || !page.items.length) break;
        after = page.items[page.items.length - 1].id;
      }
    }
  }

  /** The page of messages before the first one shown, keeping in place what the customer
   * looks at (everything new goes above it). */
  async function loadEarlier() {
    if (!conv || !older || loadingOlder) return;
    const id = conv.id;
    let before = Infinity;
    for (const m of msgs.values()) before = Math.min(before, m.id);
    const anchor = list.querySelector("[data-message-id]");
    loadingOlder = earlierButton.disabled = true;
    list.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", `/api/embed/conversations/${id}/messages`, { query: { limit: 50, before } });
      if (!conv || conv.id !== id) return;
      const top = anchor && anchor.getBoundingClientRect().top;
      page.items.forEach((m) => upsert(m, false));
      older = page.hasMore && page.items.length > 0;
      const focused = list.getRootNode().activeElement === earlierButton;
      show(earlierButton, older);
      if (anchor) list.scrollTop += anchor.getBoundingClientRect().top - top;
      if (focused && !older) list.focus({ preventScroll: true });
      render();
    } catch (err) {
      ctx.notice.error(err);
    } finally {
      loadingOlder = earlierButton.disabled = false;
      list.removeAttribute("aria-busy");
    }
  }

  /** Load the state over REST: on start, and whenever the channel could not be resumed. */
  async function refetch() {
    const page = await api("GET", "/api/embed/conversations", { query: { page: 1, pageSize: 1 } });
    const latest = page.items[0] || null;
    const current = conv ? conv.id : st.conversationId;
    if (latest && (latest.status !== "ENDED" || latest.id === current)) {
      setConversation(latest);
      await loadMessages();
    } else if (conv || st.conversationId) {
      dropConversation();
    }
  }

  async function loadConversation(id) {
    const r = await api("GET", `/api/embed/conversations/${id}`);
    setConversation(r.conversation);
    await loadMessages();
  }

  /** A conversation event from the contact channel (whole new state in `data.conversation`). */
  function apply(event, data) {
    if (event === "conversation.queue_position") {
      if (conv && conv.id === data.conversationId) {
        conv = { ...conv, queuePosition: data.position };
        render();
      }
      return;
    }
    const c = data.conversation;
    if (!c) return;
    const adopt = conv
      ? conv.id === c.id || (conv.status === "ENDED" && c.status !== "ENDED" && c.id > conv.id)
      : c.status !== "ENDED" || c.id === st.conversationId;
    if (!adopt) return;
    setConversation(c);
    if (event === "conversation.message_created" && data.message) upsert(data.message, true);
    renderReceipt();
    maybeMarkRead();
  }

  function onPresence(frame) {
    if (frame.channel !== channel) return;
    if (frame.snapshot) {
      presence.clear();
      for (const e of frame.snapshot) presence.set(e.person, e);
    }
    for (const e of frame.joined || []) presence.set(e.person, e);
    for (const e of frame.updated || []) presence.set(e.person, e);
    for (const person of frame.left || []) presence.delete(person);
    renderTyping();
  }

  // --- reading ------------------------------------------------------------------------------
  async function maybeMarkRead() {
    if (!conv || !ctx.visible()) return;
    const last = maxId();
    const theirs = maxId((m) => m.authorType !== "CONTACT");
    if (!last || last <= lastReadSent) return;
    if (!conv.unread && theirs <= (conv.contactLastReadId || 0)) return;
    lastReadSent = last;
    const id = conv.id;
    try {
      const r = await api("POST", `/api/embed/conversations/${id}/read`, { body: { lastReadMessageId: last } });
      if (conv && conv.id === id) setConversation(r.conversation);
    } catch {
      if (lastReadSent === last) lastReadSent = 0;
    }
  }

  // --- typing -------------------------------------------------------------------------------
  function onComposerInput() {
    if (!channel) return;
    if (!composer.value.trim()) {
      stopTyping();
      return;
    }
    if (!composing && ctx.send({ type: "typing", channel, composing: true })) composing = true;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (composing && channel) ctx.send({ type: "typing", channel, composing: false });
    composing = false;
  }

  // --- sending and the outbox ---------------------------------------------------------------
  function addPending(item) {
    if (pendingEls.has(item.clientMessageId)) return;
    const el = messageEl({ authorType: "CONTACT", body: item.body, clientMessageId: item.clientMessageId });
    el.dataset.pending = "true";
    setState(el, "sending");
    pendingEls.set(item.clientMessageId, el);
    list.append(el);
    scrollToEnd();
  }

  function enqueue(item) {
    st.outbox.push(item);
    store.save();
    addPending(item);
    render();
    flush();
  }

  function drop(item) {
    store.done(item.clientMessageId);
    store.save();
  }

  function failed(item, key) {
    const el = pendingEls.get(item.clientMessageId);
    pendingEls.delete(item.clientMessageId);
    if (!el) return;
    el.removeAttribute("data-pending");
    el.dataset.failed = "true";
    setState(el, key);
  }

  function retryLater(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, ms);
  }

  /** Send what waits in the outbox, in order, once the connection is up. */
  async function flush() {
    if (flushing || !ctx.live() || Date.now() < pausedUntil) return;
    flushing = true;
    try {
      while (st.outbox.length && ctx.live()) {
        if (!(await sendItem(st.outbox[0]))) return;
      }
    } finally {
      flushing = false;
    }
  }

  /** One outbox item: true when it is done with (sent, or refused for good), false to wait. */
  async function sendItem(item) {
    try {
      if (item.kind === "start") {
        const body = { body: item.body, clientMessageId: item.clientMessageId };
        if (item.preChat && Object.keys(item.preChat).length) body.preChat = item.preChat;
        const r = await api("POST", "/api/embed/conversations", { body });
        drop(item);
        setConversation(r.conversation);
        upsert(r.message, false);
      } else {
        const id = item.conversationId || (conv && conv.id);
        if (!id) {
          drop(item);
          failed(item, "notSent");
          return true;
        }
        const r = await api("POST", `/api/embed/conversations/${id}/messages`, {
          body: { body: item.body, clientMessageId: item.clientMessageId }
        });
        drop(item);
        if (conv && conv.id === r.conversation.id) setConversation(r.conversation);
        upsert(r.message, false);
      }
      render();
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) {
        console.error("Parley:", err);
        drop(item);
        failed(item, "notSent");
        render();
        return true;
      }
      if (err.network || err.status >= 500 || err.status === 401) {
        retryLater(err.network ? 4000 : 8000); // or sooner: the next `ready` flushes again
        return false;
      }
      if (err.status === 429) {
        const seconds = Math.max(1, Number(err.retryAfter) || 5);
        pausedUntil = Date.now() + seconds * 1000;
        ctx.notice.wait(seconds);
        retryLater(seconds * 1000 + 50);
        return false;
      }
      if (item.kind === "start" && err.status === 409 && err.error.conversationId) {
        // A chat is already open (another tab?): show it and send the message there.
        item.kind = "message";
        item.conversationId = err.error.conversationId;
        delete item.preChat;
        store.save();
        await loadConversation(err.error.conversationId);
        return sendItem(item);
      }
      drop(item);
      if (item.kind === "start" && err.status === 422) {
        startRefused(item, err);
      } else {
        failed(item, err.code === "conversation_ended" ? "notSentEnded" : "notSent");
        if (err.code === "conversation_ended" && conv) loadConversation(conv.id).catch(() => {});
      }
      render();
      return true;
    }
  }

  function clearError({ input, error }) {
    show(error, false);
    input.removeAttribute("aria-invalid");
  }

  function showErrors(found) {
    const first = markFields(errors, found);
    if (first) first.focus();
    return !!first;
  }

  function startRefused(item, err) {
    const el = pendingEls.get(item.clientMessageId);
    pendingEls.delete(item.clientMessageId);
    if (el) el.remove();
    if (item.preChat) {
      nameInput.value = item.preChat.name || nameInput.value;
      emailInput.value = item.preChat.email || emailInput.value;
    }
    messageInput.value = item.body;
    const f = err.fields || {};
    render();
    const shown = showErrors({
      name: f["preChat.name"] || f.name,
      email: f["preChat.email"] || f.email,
      message: f.body
    });
    if (!shown) ctx.notice.show(err.message || t("errGeneric"));
  }

  function startChat(ev) {
    ev.preventDefault();
    const pc = ctx.config().widget.preChat || {};
    const contact = ctx.contact() || {};
    const name = pc.name === "hidden" ? "" : nameInput.value.trim();
    const email = pc.email === "hidden" ? "" : emailInput.value.trim();
    const body = messageInput.value.trim();
    const found = {};
    if (pc.name === "required" && !name && !contact.name) found.name = t("errRequired");
    if (pc.email === "required" && !email && !contact.email) found.email = t("errRequired");
    else if (email && !isEmail(email)) found.email = t("errEmail");
    if (!body) found.message = t("errRequired");
    else if (body.length > MAX_BODY) found.message = t("errTooLong", { n: MAX_BODY });
    if (showErrors(found)) return;
    const preChat = {};
    if (name) preChat.name = name;
    if (email) preChat.email = email;
    messageInput.value = "";
    ctx.ensureSession().catch(() => {});
    enqueue({ kind: "start", body, clientMessageId: uuid(), preChat });
    composer.focus();
  }

  function send() {
    const body = composer.value.trim();
    if (!body) return;
    if (body.length > MAX_BODY) {
      ctx.notice.show(t("errTooLong", { n: MAX_BODY }));
      return;
    }
    composer.value = "";
    stopTyping();
    enqueue({ kind: "message", conversationId: conv ? conv.id : null, body, clientMessageId: uuid() });
    composer.focus();
  }

  async function endChat() {
    if (!conv || conv.status === "ENDED") return;
    stopTyping();
    try {
      const r = await api("POST", `/api/embed/conversations/${conv.id}/end`);
      setConversation(r.conversation);
      newChatButton.focus();
    } catch (err) {
      ctx.notice.error(err);
    }
  }

  function newChat() {
    dropConversation();
    focusFirst(prechat);
  }

  return {
    el,
    render,
    refetch,
    apply,
    onPresence,
    maybeMarkRead,
    inChat,
    unread: () => (conv ? conv.unread || 0 : 0),
    /** The socket is up and the contact channel subscribed: send what waits. */
    onConnected() {
      composing = false;
      flush();
    },
    onDisconnected() {
      presence.clear();
      composing = false;
      renderTyping();
    },
    focus() {
      if (!inChat()) focusFirst(prechat);
      else if (conv && conv.status === "ENDED") newChatButton.focus();
      else composer.focus();
    },
    /** Another contact now (identify, or an expired anonymous session). */
    reset() {
      clearTimeout(retryTimer);
      stopTyping();
      conv = null;
      msgs.clear();
      pendingEls.clear();
      clearList();
      nameInput.value = emailInput.value = "";
      syncChannel();
      render();
    }
  };
}
