// One live chat: messages (notes included) with their files, the customer, typing both ways,
// reply or internal note with files, claim / transfer / end, and "Create ticket". Kept live
// from `queue` events; typing and presence from `conversation:<id>`.
import { CONVERSATION_ESCALATED, MESSAGE_CREATED } from "/widget/shared/events.js";
import { debounce, h, linkify, select, uuid } from "../lib/dom.js";
import { fullTime, ms, when } from "../lib/format.js";
import { sendOnCtrlEnter } from "../lib/keys.js";
import { createTyping } from "../lib/realtime.js";
import { attachmentList } from "./attachment-list.js";
import { createAttachmentPicker } from "./attachment-picker.js";
import { customerPanel } from "./customer-panel.js";
import { openTicketDialog } from "./ticket-dialog.js";

const AUTHOR = { CONTACT: "contact", AGENT: "agent", SYSTEM: "system" };

export function mountConversation(ctx, { id }) {
  const { api, rt, live, me, toast } = ctx;
  let conversation = null;
  const messages = new Map();
  let hasMore = false;
  let panel = null;
  let destroyed = false;

  const el = h("div", { class: "conversation-layout", "data-console": "conversation", "data-conversation-id": id });
  const title = h("h1", { class: "title" }, `Chat #${id}`);
  const statusEl = h("span", { class: "pill", "data-console": "conversation-status" });
  const assigneeEl = h("span", { class: "muted" });
  const badge = h("a", { class: "badge ticket-badge", "data-console": "ticket-badge", hidden: true });
  const claimBtn = h("button", { type: "button", class: "primary", "data-console": "claim", hidden: true }, "Claim");
  const transferTo = select({ "data-console": "transfer-to", "aria-label": "Transfer to" }, [["", "Transfer to…"]]);
  const transferBtn = h("button", { type: "button", class: "secondary", "data-console": "transfer" }, "Transfer");
  const endBtn = h("button", { type: "button", class: "secondary", "data-console": "end" }, "End chat");
  const ticketBtn = h("button", { type: "button", class: "secondary", "data-console": "create-ticket" }, "Create ticket");
  const older = h("button", { type: "button", class: "link-button", hidden: true }, "Load earlier messages");
  const list = h("ol", { class: "messages", "aria-label": "Messages", "aria-live": "polite" });
  const scroller = h("div", { class: "message-scroll" }, older, list);
  const typingEl = h("p", { class: "typing muted", "data-console": "typing", hidden: true, "aria-live": "polite" });
  const reply = h("textarea", { "data-console": "reply", rows: 3, placeholder: "Write a reply… (Ctrl+Enter sends)", "aria-label": "Reply" });
  const internal = h("input", { type: "checkbox", "data-console": "internal", id: `internal-${id}` });
  const sendBtn = h("button", { type: "submit", class: "primary", "data-console": "send" }, "Send");
  const endedNote = h("p", { class: "muted", hidden: true }, "This chat has ended; replies are closed.");
  const composer = h("form", { class: "composer" }, reply);
  const picker = createAttachmentPicker(ctx, { dropZone: composer, pasteTarget: reply });
  composer.append(
    picker.el,
    h("div", { class: "composer-bar" },
      h("div", { class: "actions" }, picker.button, h("label", { class: "check", for: `internal-${id}` }, internal, " Internal note (agents only)")),
      sendBtn),
    endedNote,
  );
  const chat = h(
    "section",
    { class: "chat panel" },
    h("header", { class: "chat-head" },
      h("div", { class: "chat-title" }, title, statusEl, badge, assigneeEl),
      h("div", { class: "actions" }, claimBtn, h("span", { class: "transfer" }, transferTo, transferBtn), endBtn, ticketBtn)),
    scroller,
    typingEl,
    composer,
  );
  el.append(chat);

  // --- rendering -----------------------------------------------------------------------------
  function messageEl(m) {
    const author = AUTHOR[m.authorType] || "system";
    return h(
      "li",
      {
        class: `message from-${author}${m.isInternal ? " internal" : ""}${m.authorId === me.id && author === "agent" ? " own" : ""}`,
        "data-console": "message", "data-author": author, "data-internal": String(!!m.isInternal), "data-message-id": m.id,
      },
      h("div", { class: "meta" },
        author === "system" ? null : h("span", { class: "author" }, m.authorName || (author === "contact" ? "Customer" : "Agent")),
        m.isInternal ? h("span", { class: "badge note-badge" }, "Internal note") : null,
        h("time", { datetime: m.createdAt, title: fullTime(m.createdAt) }, when(m.createdAt))),
      h("div", { class: "body", "data-console": "body" }, linkify(m.body)),
      attachmentList(ctx, m.attachments),
    );
  }

  function renderMessages() {
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    const sorted = [...messages.values()].sort((a, b) => a.id - b.id);
    const have = new Map([...list.children].map((li) => [Number(li.dataset.messageId), li]));
    let cursor = list.firstElementChild;
    for (const m of sorted) {
      const li = have.get(m.id) || messageEl(m);
      if (li === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(li, cursor);
    }
    older.hidden = !hasMore;
    if (nearBottom || !list.dataset.rendered) scroller.scrollTop = scroller.scrollHeight;
    list.dataset.rendered = "1";
  }

  function renderHead() {
    const c = conversation;
    const name = c.contact.name || c.contact.email || `Visitor ${c.contact.id}`;
    title.textContent = name;
    statusEl.textContent = c.status;
    statusEl.className = `pill chat-${c.status.toLowerCase()}`;
    assigneeEl.textContent = c.status === "WAITING" ? `Waiting since ${when(c.waitingSince)}` : c.assigneeName ? `with ${c.assigneeId === me.id ? "you" : c.assigneeName}` : "";
    badge.hidden = !c.ticket;
    if (c.ticket) {
      badge.textContent = c.ticket.reference;
      badge.href = `#/tickets/${encodeURIComponent(c.ticket.reference)}`;
      badge.title = `Ticket ${c.ticket.reference}`;
    }
    const ended = c.status === "ENDED";
    claimBtn.hidden = c.status !== "WAITING";
    claimBtn.disabled = false;
    endBtn.hidden = ended;
    transferTo.disabled = transferBtn.disabled = ended;
    reply.disabled = sendBtn.disabled = internal.disabled = ended;
    picker.disabled = ended;
    endedNote.hidden = !ended;
    const keep = transferTo.value;
    transferTo.replaceChildren(h("option", { value: "" }, "Transfer to…"),
      ...ctx.agents.filter((a) => a.id !== c.assigneeId).map((a) => h("option", { value: String(a.id) }, a.id === me.id ? `${a.name} (me)` : a.name)));
    transferTo.value = [...transferTo.options].some((o) => o.value === keep) ? keep : "";
    ctx.setTitle(name);
    if (panel) panel.update(c);
  }

  function setConversation(c) {
    if (conversation && ms(conversation.updatedAt) > ms(c.updatedAt)) return;
    conversation = c;
    live.upsert(c);
    renderHead();
  }

  function addMessage(m) {
    messages.set(m.id, m);
    renderMessages();
    if (m.authorType === "CONTACT") markRead();
  }

  const markRead = debounce(async () => {
    if (destroyed || document.hidden || !conversation || !messages.size) return;
    const last = Math.max(...messages.keys());
    if (conversation.agentLastReadId != null && conversation.agentLastReadId >= last) return;
    if (!conversation.unread) return;
    try {
      const r = await api("POST", `/api/conversations/${id}/read`, { body: { lastReadMessageId: last } });
      setConversation(r.conversation);
    } catch {
      // a read receipt is not worth an error on screen
    }
  }, 500);

  // --- loading -------------------------------------------------------------------------------
  async function load() {
    try {
      const r = await api("GET", `/api/conversations/${id}`, { query: { limit: 50 } });
      if (destroyed) return;
      for (const m of r.messages) messages.set(m.id, m);
      hasMore = r.hasMore;
      setConversation(r.conversation); // never older than what a write or an event gave us
      if (!panel) {
        panel = customerPanel(ctx, r.conversation);
        el.append(panel.el);
      }
      renderMessages();
      markRead();
    } catch (err) {
      if (err.status === 404) el.replaceChildren(h("p", { class: "empty" }, `There is no chat #${id}.`));
      toast(err);
    }
  }

  older.addEventListener("click", async () => {
    const first = Math.min(...messages.keys());
    try {
      const r = await api("GET", `/api/conversations/${id}/messages`, { query: { before: first, limit: 50 } });
      const height = scroller.scrollHeight;
      for (const m of r.items) messages.set(m.id, m);
      hasMore = r.hasMore;
      renderMessages();
      scroller.scrollTop += scroller.scrollHeight - height;
    } catch (err) {
      toast(err);
    }
  });

  // --- actions -------------------------------------------------------------------------------
  async function act(button, path, body) {
    button.disabled = true;
    try {
      const r = await api("POST", `/api/conversations/${id}/${path}`, body === undefined ? {} : { body });
      setConversation(r.conversation);
      return r;
    } catch (err) {
      toast(err);
      return null;
    } finally {
      button.disabled = false;
      if (conversation) renderHead();
    }
  }

  claimBtn.addEventListener("click", async () => {
    if (await act(claimBtn, "claim")) reply.focus();
  });
  transferBtn.addEventListener("click", async () => {
    if (!transferTo.value) {
      toast("Choose an agent to transfer the chat to.");
      transferTo.focus();
      return;
    }
    const name = transferTo.selectedOptions[0].textContent;
    if (await act(transferBtn, "transfer", { agentId: Number(transferTo.value) })) ctx.notice(`Transferred to ${name}.`);
  });
  endBtn.addEventListener("click", () => act(endBtn, "end"));
  ticketBtn.addEventListener("click", () => {
    if (!conversation) return;
    const first = [...messages.values()].sort((a, b) => a.id - b.id).find((m) => m.authorType === "CONTACT" && m.body);
    openTicketDialog(ctx, {
      conversation,
      subject: first ? first.body.replace(/\s+/g, " ").trim() : "",
      container: el,
      onCreated(r) {
        setConversation(r.conversation);
        if (panel) panel.reloadTickets();
      },
    });
  });

  const typing = createTyping(rt, `conversation:${id}`);
  reply.addEventListener("input", () => {
    if (!internal.checked) typing.input(reply.value.trim() !== "");
  });
  internal.addEventListener("change", () => {
    composer.classList.toggle("note-mode", internal.checked);
    sendBtn.textContent = internal.checked ? "Add note" : "Send";
    if (internal.checked) typing.stop();
  });

  // The box is cleared at once (a second Enter finds it empty) and refilled if sending fails;
  // sends go out one after another, in the order they were made. Files still uploading are
  // waited for first (the text stays in the box meanwhile); a refused file stops the send
  // until the agent removes it.
  let chain = Promise.resolve();
  async function send() {
    if (conversation && conversation.status === "ENDED") return;
    if (!reply.value.trim() && !picker.hasFiles()) return;
    await picker.settle();
    let files;
    try {
      files = picker.take();
    } catch (err) {
      toast(err);
      return;
    }
    const body = reply.value.trim();
    if (!body && !files.ids.length) return;
    const isInternal = internal.checked;
    typing.stop();
    reply.value = "";
    reply.focus();
    chain = chain.then(async () => {
      try {
        const r = await api("POST", `/api/conversations/${id}/messages`, {
          body: { body, clientMessageId: uuid(), isInternal, attachmentIds: files.ids },
        });
        picker.sent(files);
        setConversation(r.conversation);
        addMessage(r.message);
      } catch (err) {
        picker.restore(files);
        toast(err);
        if (!reply.value.trim()) reply.value = body;
      }
    });
  }
  composer.addEventListener("submit", (ev) => {
    ev.preventDefault();
    send();
  });
  sendOnCtrlEnter(reply, send);

  // --- live ----------------------------------------------------------------------------------
  const leaveQueue = rt.join("queue", (msg) => {
    if (msg.type === "sync" && msg.refetch) load();
    if (msg.type !== "event" || !msg.data.conversation || msg.data.conversation.id !== id) return;
    setConversation(msg.data.conversation);
    if (msg.event === MESSAGE_CREATED) addMessage(msg.data.message);
    if (msg.event === CONVERSATION_ESCALATED && panel) panel.reloadTickets();
  });
  const leaveChannel = rt.join(`conversation:${id}`, (msg) => {
    if (msg.type !== "presence") return;
    const customer = [...msg.people.values()].find((p) => p.person.startsWith("contact:") && p.composing);
    const name = (conversation && conversation.contact.name) || (customer && customer.name) || "The customer";
    typingEl.hidden = !customer;
    typingEl.textContent = customer ? `${name} is typing…` : "";
  });
  const offAgents = live.on((what) => {
    if (what === "agents" && conversation) renderHead();
  });
  const onVisible = () => markRead();
  document.addEventListener("visibilitychange", onVisible);

  load();
  return {
    el,
    title: `Chat #${id}`,
    destroy() {
      destroyed = true;
      typing.stop();
      picker.destroy();
      markRead.cancel();
      leaveQueue();
      leaveChannel();
      offAgents();
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}
