// The live queue: waiting chats (with wait time and queue position) to claim, my active chats,
// unassigned open tickets and my open tickets. Everything moves from `queue` events.
import { TICKET_DELETED, isTicketEvent } from "/widget/shared/events.js";
import { h, syncChildren } from "../lib/dom.js";
import { OPEN_STATUSES, duration, ms, relative } from "../lib/format.js";
import { createTicketPage } from "../lib/tickets.js";
import { rowVersion, ticketRow } from "./ticket-row.js";

function panel(title, list, empty, extra) {
  return h("section", { class: "panel" }, h("div", { class: "panel-head" }, h("h2", {}, title), extra || null), list, empty);
}

export function mountQueue(ctx) {
  const { api, live, rt, me, navigate, toast } = ctx;
  const waitingList = h("ol", { class: "items", "data-console": "waiting", "aria-label": "Waiting chats" });
  const myChats = h("ul", { class: "items", "data-console": "my-chats", "aria-label": "My chats" });
  const unassignedList = h("ul", { class: "rows compact", "data-console": "unassigned-tickets", "aria-label": "Unassigned tickets" });
  const myTickets = h("ul", { class: "rows compact", "data-console": "my-tickets", "aria-label": "My tickets" });
  const empty = (text) => h("p", { class: "empty muted" }, text);
  const emptyWaiting = empty("No one is waiting.");
  const emptyMine = empty("You have no active chats.");
  const emptyUnassigned = empty("No unassigned open tickets.");
  const emptyMyTickets = empty("No open tickets assigned to you.");

  // Claiming opens the chat at once (the claim finishes there); a refusal shows its message.
  async function claim(c, button) {
    button.disabled = true;
    navigate(`#/conversations/${c.id}`);
    try {
      const r = await api("POST", `/api/conversations/${c.id}/claim`);
      live.upsert(r.conversation);
      const active = document.activeElement;
      if (!active || active === document.body || active.id === "view") {
        document.querySelector(`#view [data-conversation-id="${c.id}"] textarea[data-console=reply]`)?.focus();
      }
    } catch (err) {
      toast(err);
    }
  }

  function waitingItem(c, position) {
    const href = `#/conversations/${c.id}`;
    const name = c.contact.name || c.contact.email || `Visitor ${c.contact.id}`;
    const claimButton = h("button", { type: "button", class: "primary small", "data-console": "claim" }, "Claim");
    claimButton.addEventListener("click", () => claim(c, claimButton));
    const item = h(
      "li",
      { class: "item", "data-console": "waiting-item", "data-conversation-id": c.id },
      h(
        "a",
        { href, class: "item-main", "data-nav-item": true },
        h("span", { class: "name" }, name),
        h("span", { class: "preview muted" }, live.state.previews.get(c.id) || "…"),
      ),
      h(
        "span",
        { class: "item-meta" },
        h("span", { class: "position", "data-console": "position", "aria-label": `Position ${position} in the queue` }, String(position)),
        h("span", { class: "wait", "data-since": c.waitingSince || c.createdAt, title: "Waiting for" }, duration((Date.now() - ms(c.waitingSince || c.createdAt)) / 1000)),
      ),
      claimButton,
    );
    item.addEventListener("click", (ev) => {
      if (!ev.target.closest("a, button")) navigate(href);
    });
    return item;
  }

  function chatItem(c) {
    const href = `#/conversations/${c.id}`;
    const name = c.contact.name || c.contact.email || `Visitor ${c.contact.id}`;
    const item = h(
      "li",
      { class: "item", "data-console": "chat-item", "data-conversation-id": c.id },
      h(
        "a",
        { href, class: "item-main", "data-nav-item": true },
        h("span", { class: "name" }, name),
        h("span", { class: "preview muted" }, c.awaitingReplySince ? `Waiting for your reply since ${relative(c.awaitingReplySince)}` : `Last message ${relative(c.lastMessageAt)}`),
      ),
      c.unread ? h("span", { class: "count hot", title: "Unread messages" }, String(c.unread)) : null,
    );
    item.addEventListener("click", (ev) => {
      if (!ev.target.closest("a, button")) navigate(href);
    });
    return item;
  }

  function renderChats() {
    const waiting = live.waiting();
    syncChildren(
      waitingList,
      waiting.map((c, i) => ({ c, position: i + 1 })),
      (x) => x.c.id,
      (x) => `${x.c.updatedAt}|${x.position}|${live.state.previews.get(x.c.id) || ""}`,
      (x) => waitingItem(x.c, x.position),
    );
    emptyWaiting.hidden = waiting.length > 0;
    const mine = live.mine();
    syncChildren(myChats, mine, (c) => c.id, (c) => c.updatedAt, chatItem);
    emptyMine.hidden = mine.length > 0;
  }

  function ticketList(filters, container, emptyEl) {
    const page = createTicketPage({
      api, meId: me.id, filters, sort: "-priority", pageSize: 10, onError: toast,
      onChange: () => render(),
    });
    function render() {
      syncChildren(container, page.model.items, (t) => t.id, (t) => rowVersion(t), (t) => ticketRow(t, { navigate }));
      emptyEl.hidden = page.model.items.length > 0 || page.model.loading;
    }
    return { page, render };
  }

  const unassigned = ticketList({ assignee: "none", status: OPEN_STATUSES }, unassignedList, emptyUnassigned);
  const mineT = ticketList({ assignee: "me", status: OPEN_STATUSES }, myTickets, emptyMyTickets);

  const leave = rt.join("queue", (msg) => {
    if (msg.type === "sync" && msg.refetch) {
      unassigned.page.load();
      mineT.page.load();
    } else if (msg.type === "event" && isTicketEvent(msg.event)) {
      for (const list of [unassigned, mineT]) {
        if (msg.event === TICKET_DELETED) list.page.remove(msg.data.ticketId);
        else list.page.apply(msg.data.ticket);
        list.render();
      }
    }
  });
  const team = h("p", { class: "team muted", "data-console": "agents-online", "aria-live": "polite" });
  function renderTeam() {
    const people = live.state.agents.map((a) => ({ a, status: live.state.availability.get(`agent:${a.id}`) || "offline" }));
    const here = people.filter((p) => p.status !== "offline");
    team.replaceChildren(
      here.length ? "Agents on now: " : "No agent is online.",
      ...here.map((p, i) => h("span", { class: `agent-status ${p.status}`, "data-person": `agent:${p.a.id}`, "data-status": p.status },
        `${i ? ", " : ""}${p.a.id === me.id ? "you" : p.a.name} (${p.status})`)),
    );
  }
  const off = live.on((what) => {
    if (what === "conversations") renderChats();
    if (what === "availability" || what === "agents") renderTeam();
  });
  renderTeam();
  const tick = setInterval(() => {
    for (const el of waitingList.querySelectorAll(".wait[data-since]")) {
      el.textContent = duration((Date.now() - ms(el.dataset.since)) / 1000);
    }
  }, 1000);

  renderChats();
  unassigned.page.load();
  mineT.page.load();

  const viewAll = (query) => h("a", { href: `#/tickets?${query}`, class: "small-link" }, "View all");
  const grid = h(
    "div",
    { class: "queue-grid" },
    panel("Waiting chats", waitingList, emptyWaiting),
    panel("My chats", myChats, emptyMine),
    panel("Unassigned tickets", unassignedList, emptyUnassigned, viewAll("assignee=none&status=open")),
    panel("My tickets", myTickets, emptyMyTickets, viewAll("assignee=me&status=open")),
  );
  const el = h("div", { "data-console": "queue" }, team, grid);
  return {
    el,
    title: "Queue",
    destroy() {
      leave();
      off();
      clearInterval(tick);
      unassigned.page.destroy();
      mineT.page.destroy();
    },
  };
}
