// One ticket: its files, timeline (public replies, internal notes, activity, each with its
// files), reply and note editor with files and collision control, the other agents viewing it
// and composing, and the side panel. Live from `ticket:<id>`: events update it, presence shows
// the viewers.
import { TICKET_DELETED, TICKET_RESPONSE_ADDED } from "/widget/shared/events.js";
import { debounce, h, initials, linkify, syncChildren } from "../lib/dom.js";
import { fullTime, label, ms, when } from "../lib/format.js";
import { sendOnCtrlEnter } from "../lib/keys.js";
import { createTyping } from "../lib/realtime.js";
import { attachmentList } from "./attachment-list.js";
import { createAttachmentPicker } from "./attachment-picker.js";
import { priorityPill, statusPill } from "./ticket-row.js";
import { ticketSide } from "./ticket-side.js";

const QUIET_ACTIVITY = new Set(["RESPONDED", "INTERNAL_NOTE_ADDED"]); // the reply itself shows

export function mountTicketDetail(ctx, { ref }) {
  const { api, rt, me, toast } = ctx;
  let ticket = null;
  const responses = new Map();
  let activity = [];
  let channel = null;
  let leaveChannel = null;
  let typing = null;
  let destroyed = false;
  let pendingContent = null; // a public reply the server refused as stale
  // The channel position the draft was written against: fixed when the draft starts, so a
  // reply that arrives while the agent writes makes the server refuse the send (stale_reply).
  let draftSeen = null;

  const el = h("div", { class: "ticket-layout", "data-console": "ticket-detail", "data-ref": ref });
  const heading = h("h1", { class: "title" }, ref);
  const headMeta = h("div", { class: "head-meta" });
  const viewers = h("ul", { class: "viewers", "data-console": "viewers", "aria-label": "Other agents viewing this ticket" });
  const timeline = h("ol", { class: "timeline", "data-console": "timeline", "aria-label": "Timeline", "aria-live": "polite" });
  const reply = h("textarea", { "data-console": "reply", rows: 5, placeholder: "Write a reply to the customer, or an internal note… (Ctrl+Enter sends the reply)", "aria-label": "Reply" });
  const send = h("button", { type: "submit", class: "primary", "data-console": "send" }, "Send reply");
  const sendNote = h("button", { type: "button", class: "secondary note", "data-console": "send-note" }, "Add internal note");
  const collisionText = h("p", {});
  const unseenList = h("ul", { class: "unseen" });
  const sendAnyway = h("button", { type: "button", class: "danger", "data-console": "send-anyway" }, "Send anyway");
  const review = h("button", { type: "button", class: "secondary" }, "Keep editing");
  const collision = h("div", { class: "collision", "data-console": "collision", role: "alert", hidden: true },
    collisionText, unseenList, h("div", { class: "actions" }, review, sendAnyway));
  const composer = h("form", { class: "composer" }, collision, reply);
  const picker = createAttachmentPicker(ctx, { dropZone: composer, pasteTarget: reply });
  composer.append(picker.el, h("div", { class: "composer-bar" }, picker.button, h("div", { class: "actions" }, sendNote, send)));
  // Files on the ticket itself (given when it was opened, or brought from its chat).
  const ticketFiles = h("section", { class: "ticket-files", "data-console": "ticket-files", "aria-label": "Files on this ticket", hidden: true });
  const side = ticketSide(ctx, { onChange: (t) => setTicket(t) });
  const main = h("section", { class: "panel ticket-main" },
    h("header", { class: "ticket-head" }, h("div", {}, heading, headMeta), viewers),
    ticketFiles, timeline, composer);
  el.append(main, side.el);

  // --- rendering -----------------------------------------------------------------------------
  function entryFor(item) {
    if (item.kind === "activity") {
      const a = item.a;
      return h("li", { class: "entry activity", "data-console": "entry", "data-kind": "activity", "data-activity-type": a.type },
        h("div", { class: "body", "data-console": "body" }, a.description),
        h("div", { class: "meta muted" }, `${a.performedBy ? a.performedBy.name : ""} · `, h("time", { datetime: a.createdAt, title: fullTime(a.createdAt) }, when(a.createdAt))));
    }
    const r = item.r;
    const kind = r.isInternal ? "note" : "reply";
    return h("li", {
      class: `entry ${kind} author-${String(r.authorType).toLowerCase()}`, "data-console": "entry", "data-kind": kind,
      "data-response-id": r.id, "data-author": String(r.authorType).toLowerCase(),
    },
    h("div", { class: "meta" },
      h("span", { class: "author" }, r.authorName || label(r.authorType)),
      r.isInternal ? h("span", { class: "badge note-badge" }, "Internal note") : r.authorType === "CUSTOMER" ? h("span", { class: "badge" }, "Customer") : r.authorType === "EMAIL" ? h("span", { class: "badge" }, "Email") : null,
      h("time", { datetime: r.createdAt, title: fullTime(r.createdAt) }, when(r.createdAt))),
    h("div", { class: "body", "data-console": "body" }, linkify(r.content)),
    attachmentList(ctx, r.attachments),
    r.authorType === "EMAIL" ? originalEmail(r.id) : null);
  }

  // The message a reply by email came from, as it arrived (headers, quote, every part), as text.
  function originalEmail(responseId) {
    const source = h("pre", { class: "email-source", "data-console": "email-source" });
    const details = h("details", { "data-console": "original-email" }, h("summary", {}, "Original email"), source);
    details.addEventListener("toggle", async () => {
      if (!details.open || source.textContent) return;
      try {
        const found = await api("GET", "/api/inbound-emails", { query: { responseId } });
        if (!found.items.length) {
          source.textContent = "The original is no longer kept.";
          return;
        }
        const { email } = await api("GET", `/api/inbound-emails/${found.items[0].id}`);
        source.textContent = email.source + (email.truncated ? "\n[…]" : "");
      } catch (err) {
        toast(err);
      }
    });
    return details;
  }

  function renderTimeline() {
    const items = [
      ...[...responses.values()].map((r) => ({ kind: "response", r, at: ms(r.createdAt), key: `r${r.id}` })),
      ...activity.filter((a) => !QUIET_ACTIVITY.has(a.type)).map((a) => ({ kind: "activity", a, at: ms(a.createdAt), key: `a${a.id}` })),
    ].sort((x, y) => x.at - y.at || (x.kind === y.kind ? (x.r || x.a).id - (y.r || y.a).id : x.kind === "activity" ? -1 : 1));
    syncChildren(timeline, items, (x) => x.key, () => "1", entryFor);
  }

  function setTicket(t) {
    if (ticket && ms(ticket.updatedAt) > ms(t.updatedAt)) return;
    ticket = t;
    heading.replaceChildren(h("span", { class: "ref" }, t.reference), " ", t.subject);
    headMeta.replaceChildren(...[statusPill(t.status), priorityPill(t.priority),
      t.originChatId ? h("span", { class: "badge chat-badge", "data-console": "from-chat" }, "From chat") : null,
      h("span", { class: "muted" }, ` Opened ${when(t.createdAt)} by ${t.requesterName || t.requesterEmail || "?"}`)].filter(Boolean));
    side.set(t);
    ctx.setTitle(`${t.reference} ${t.subject}`);
  }

  function renderTicketFiles(attachments) {
    const files = attachmentList(ctx, attachments);
    ticketFiles.replaceChildren(...(files ? [h("h3", {}, "Files"), files] : []));
    ticketFiles.hidden = !files;
  }

  function renderViewers(people) {
    const others = [...people.values()].filter((p) => p.person.startsWith("agent:") && p.person !== `agent:${me.id}`);
    viewers.replaceChildren(...others.map((p) => h("li", {
      class: `viewer${p.composing ? " composing" : ""}`, "data-console": "viewer", "data-person": p.person,
      "data-composing": String(!!p.composing), title: `${p.name} is viewing${p.composing ? " and writing a reply" : ""}`,
    }, h("span", { class: "avatar", "aria-hidden": "true" }, initials(p.name)), h("span", { class: "name" }, p.name),
    p.composing ? h("span", { class: "composing-text" }, "composing…") : null)));
  }

  // --- loading -------------------------------------------------------------------------------
  async function load() {
    try {
      const r = await api("GET", `/api/tickets/${encodeURIComponent(ref)}`);
      if (destroyed) return;
      const { responses: rs, activity: acts, attachments, ...t } = r.ticket;
      for (const x of rs) responses.set(x.id, x);
      activity = acts;
      renderTicketFiles(attachments);
      setTicket(t);
      renderTimeline();
      if (!channel) join(t.id);
    } catch (err) {
      if (err.status === 404) el.replaceChildren(h("p", { class: "empty" }, `There is no ticket ${ref}.`));
      toast(err);
    }
  }
  const refreshActivity = debounce(load, 400);

  function join(id) {
    channel = `ticket:${id}`;
    typing = createTyping(rt, channel);
    leaveChannel = rt.join(channel, (msg) => {
      if (msg.type === "sync") {
        if (msg.refetch) load();
        if (reply.value.trim() && !draftSeen) draftSeen = rt.position(channel);
      } else if (msg.type === "presence") {
        renderViewers(msg.people);
      } else if (msg.type === "event") {
        onEvent(msg.event, msg.data);
      }
    });
  }

  function onEvent(event, data) {
    if (event === TICKET_DELETED) {
      el.replaceChildren(h("p", { class: "empty" }, `Ticket ${data.reference} was deleted.`));
      return;
    }
    if (data.ticket) setTicket(data.ticket);
    if (event === TICKET_RESPONSE_ADDED) {
      const r = data.response;
      const isNew = !responses.has(r.id);
      responses.set(r.id, r);
      renderTimeline();
      const fromOther = r.authorType === "CUSTOMER" || (r.authorType === "AGENT" && r.authorId !== me.id);
      if (isNew && !r.isInternal && fromOther && reply.value.trim()) {
        showCollision([r], "A newer reply arrived while you were writing:");
      }
      return; // the reply itself is the timeline entry
    }
    refreshActivity();
  }

  // --- replying ------------------------------------------------------------------------------
  function showCollision(unseen, text) {
    collisionText.textContent = text;
    unseenList.replaceChildren(...unseen.map((r) => h("li", {},
      h("strong", {}, `${r.authorName || label(r.authorType)}: `), h("span", {}, r.content),
      r.attachments && r.attachments.length ? h("span", { class: "muted" }, ` (${r.attachments.length === 1 ? "1 file" : `${r.attachments.length} files`})`) : null)));
    collision.hidden = false;
  }

  function hideCollision() {
    collision.hidden = true;
    pendingContent = null;
  }

  // Uploads still running are waited for (the text stays editable meanwhile); the box is then
  // cleared and refilled if the server does not take the reply. The files stay listed until
  // the reply is stored, so "Send anyway" after a collision sends them too.
  async function post(isInternal, force = false) {
    if (send.disabled) return;
    if (!reply.value.trim() && !(force && pendingContent) && !picker.hasFiles()) return;
    send.disabled = sendNote.disabled = sendAnyway.disabled = true;
    let content = "";
    let files = null;
    try {
      await picker.settle();
      files = picker.take();
      content = reply.value.trim() || (force && pendingContent) || "";
      if (!content && !files.ids.length) return;
      reply.value = ""; // refilled below if the server does not take it
      await ready; // written before the ticket had loaded: send once it has
      if (!ticket) throw new Error(`Ticket ${ref} is not loaded; reload the page.`);
      const body = { content, isInternal, attachmentIds: files.ids };
      const seen = draftSeen || (channel ? rt.position(channel) : null);
      if (!isInternal && seen) body.seen = seen;
      if (force) body.force = true;
      const r = await api("POST", `/api/tickets/${encodeURIComponent(ticket.reference)}/responses`, { body });
      picker.sent(files);
      files = null;
      responses.set(r.response.id, r.response);
      setTicket(r.ticket);
      renderTimeline();
      draftSeen = reply.value.trim() && channel ? rt.position(channel) : null;
      hideCollision();
      if (typing) typing.stop();
      refreshActivity();
    } catch (err) {
      if (files) picker.restore(files);
      if (!reply.value.trim()) reply.value = content;
      if (err.code === "stale_reply") {
        const unseen = err.error.unseenResponses || [];
        for (const x of unseen) responses.set(x.id, x);
        renderTimeline();
        pendingContent = content;
        const n = unseen.length;
        showCollision(unseen, n
          ? `Not sent: ${n === 1 ? "a newer reply" : `${n} newer replies`} arrived while you were writing. Read ${n === 1 ? "it" : "them"}, then keep editing or send anyway:`
          : "Not sent: the ticket changed while you were writing. Keep editing or send anyway.");
        review.focus();
      } else {
        toast(err);
      }
    } finally {
      send.disabled = sendNote.disabled = sendAnyway.disabled = false;
    }
  }

  composer.addEventListener("submit", (ev) => {
    ev.preventDefault();
    post(false);
  });
  sendNote.addEventListener("click", () => post(true));
  sendAnyway.addEventListener("click", () => post(false, true));
  review.addEventListener("click", () => {
    hideCollision();
    draftSeen = channel ? rt.position(channel) : null; // the agent has read what came in
    reply.focus();
  });
  sendOnCtrlEnter(reply, () => post(false));
  reply.addEventListener("input", () => {
    const hasText = reply.value.trim() !== "";
    if (!hasText) draftSeen = null;
    else if (!draftSeen && channel) draftSeen = rt.position(channel);
    if (typing) typing.input(hasText);
  });

  const ready = load();
  return {
    el,
    title: ref,
    destroy() {
      destroyed = true;
      refreshActivity.cancel();
      picker.destroy();
      side.destroy();
      if (typing) typing.stop();
      if (leaveChannel) leaveChannel();
    },
  };
}
