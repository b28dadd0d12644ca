// The Chat tab: the conversation shown, its banners and read receipts, and the outbox (below).
// The parts in chat/ (messages: the list; compose: the forms, typing) share the state `s`.

import { ApiError } from "../shared/api.js";
import { h, show } from "../shared/dom.js";
import { MESSAGE_CREATED, QUEUE_POSITION } from "../shared/events.js";
import { createCompose } from "./chat/compose.js";
import { createMessages } from "./chat/messages.js";

export function createChat(ctx) {
  const { t, i18n, api, store } = ctx;
  const st = store.state;
  let lastReadSent = 0;

  const s = {
    ctx,
    t,
    i18n,
    api,
    store,
    st,
    conv: null, // the customer's view of the conversation shown
    channel: null, // the conversation channel subscribed (typing and presence)
    render,
    setConversation,
    dropConversation,
    loadConversation,
    maybeMarkRead
  };
  s.messages = createMessages(s);
  const compose = (s.compose = createCompose(s));
  s.outbox = createOutbox(s);

  const queueEl = h("p", { class: "banner", "data-parley": "queue", role: "status", hidden: true });
  const ticketEl = h("button", {
    type: "button",
    class: "banner banner--ticket",
    "data-parley": "chat-ticket",
    hidden: true,
    onclick: () => s.conv && s.conv.ticket && ctx.openTicket(s.conv.ticket.reference)
  });
  const chatBox = h(
    "div",
    { class: "chat", hidden: true },
    queueEl,
    ticketEl,
    s.messages.list,
    compose.typingEl,
    compose.box,
    compose.endedBox
  );
  const el = h("div", { class: "chat-view" }, compose.prechat, chatBox);

  for (const item of st.outbox) s.messages.addPending(item);
  render();

  function inChat() {
    return !!s.conv || st.outbox.some((item) => item.kind === "start");
  }

  function render() {
    const conv = s.conv;
    const chatting = inChat();
    compose.render(chatting, !!conv && conv.status === "ENDED");
    show(chatBox, chatting);
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
    s.messages.renderReceipt();
    ctx.changed();
  }

  // the conversation shown
  function setConversation(c) {
    if (!s.conv || s.conv.id !== c.id) {
      lastReadSent = 0;
      s.messages.clear();
    }
    s.conv = c;
    if (st.conversationId !== c.id) {
      st.conversationId = c.id;
      store.save();
    }
    syncChannel();
    render();
  }

  function dropConversation() {
    s.conv = null;
    st.conversationId = null;
    store.save();
    s.messages.clear();
    syncChannel();
    render();
  }

  function syncChannel() {
    const conv = s.conv;
    const want = conv && conv.status !== "ENDED" ? `conversation:${conv.id}` : null;
    if (want === s.channel) return;
    if (s.channel) ctx.unsubscribe(s.channel);
    s.channel = want;
    compose.channelChanged();
    if (want) ctx.subscribe(want);
  }

  /** Load the state over REST: on start, and whenever the channel could not be resumed. */
  async function refetch() {
    const page = await api("GET", "/api/embed/conversations", { query: { page: 1, pageSize: 1 } });
    const latest = page.items[0] || null;
    const current = s.conv ? s.conv.id : st.conversationId;
    if (latest && (latest.status !== "ENDED" || latest.id === current)) {
      setConversation(latest);
      await s.messages.load();
    } else if (s.conv || st.conversationId) {
      dropConversation();
    }
  }

  async function loadConversation(id) {
    const r = await api("GET", `/api/embed/conversations/${id}`);
    setConversation(r.conversation);
    await s.messages.load();
  }

  /** A conversation event from the contact channel (whole new state in `data.conversation`). */
  function apply(event, data) {
    const conv = s.conv;
    if (event === QUEUE_POSITION) {
      if (conv && conv.id === data.conversationId) {
        s.conv = { ...conv, queuePosition: data.position };
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
    if (event === MESSAGE_CREATED && data.message) s.messages.upsert(data.message, true);
    s.messages.renderReceipt();
    maybeMarkRead();
  }

  async function maybeMarkRead() {
    const conv = s.conv;
    if (!conv || !ctx.visible()) return;
    const last = s.messages.maxId();
    const theirs = s.messages.maxId((m) => m.authorType !== "CONTACT");
    if (!last || last <= lastReadSent) return;
    if (!conv.unread && theirs <= (conv.contactLastReadId || 0)) return;
    lastReadSent = last;
    const id = conv.id;
    try {
      const r = await api("POST", `/api/embed/conversations/${id}/read`, { body: { lastReadMessageId: last } });
      if (s.conv && s.conv.id === id) setConversation(r.conversation);
    } catch {
      if (lastReadSent === last) lastReadSent = 0;
    }
  }

  return {
    el,
    render,
    refetch,
    apply,
    onPresence: compose.onPresence,
    maybeMarkRead,
    inChat,
    unread: () => (s.conv ? s.conv.unread || 0 : 0),
    onConnected() {
      compose.connected();
      s.outbox.flush();
    },
    onDisconnected: compose.disconnected,
    focus() {
      if (!inChat()) compose.focusPrechat();
      else if (s.conv && s.conv.status === "ENDED") compose.focusNewChat();
      else compose.focus();
    },
    // Another contact now (identify, or an expired anonymous session).
    reset() {
      s.outbox.cancel();
      compose.stopTyping();
      s.conv = null;
      s.messages.reset();
      compose.reset();
      syncChannel();
      render();
    }
  };
}

// --- the outbox: the customer's messages, kept in storage until the server has them, sent in
// order while the socket is up, again with the same clientMessageId after a failure, paused on 429.
function createOutbox(s) {
  const { api, ctx, store, st } = s;
  let flushing = false;
  let pausedUntil = 0;
  let retryTimer = null;

  function enqueue(item) {
    st.outbox.push(item);
    store.save();
    s.messages.addPending(item);
    s.render();
    flush();
  }

  function drop(item) {
    store.done(item.clientMessageId);
    store.save();
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
        s.setConversation(r.conversation);
        s.messages.upsert(r.message, false);
      } else {
        const id = item.conversationId || (s.conv && s.conv.id);
        if (!id) {
          drop(item);
          s.messages.failed(item, "notSent");
          return true;
        }
        const r = await api("POST", `/api/embed/conversations/${id}/messages`, {
          body: {
            body: item.body,
            clientMessageId: item.clientMessageId,
            attachmentIds: (item.attachments || []).map((a) => a.id)
          }
        });
        drop(item);
        if (s.conv && s.conv.id === r.conversation.id) s.setConversation(r.conversation);
        s.messages.upsert(r.message, false);
      }
      s.render();
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) {
        console.error("Parley:", err);
        drop(item);
        s.messages.failed(item, "notSent");
        s.render();
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
        await s.loadConversation(err.error.conversationId);
        return sendItem(item);
      }
      drop(item);
      if (item.kind === "start" && err.status === 422) {
        s.compose.refused(item, err);
      } else {
        s.messages.failed(item, err.code === "conversation_ended" ? "notSentEnded" : "notSent");
        if (err.code === "conversation_ended" && s.conv) s.loadConversation(s.conv.id).catch(() => {});
      }
      s.render();
      return true;
    }
  }

  return {
    enqueue,
    flush,
    cancel: () => clearTimeout(retryTimer)
  };
}
