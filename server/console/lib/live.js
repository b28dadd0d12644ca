// The console's shared live state, kept from the `queue` channel: the waiting chats, my
// active chats (both complete, so the counters are exact), a preview of each chat's first
// customer message, the agents and their availability, and the number of unassigned open
// tickets. Views read it and subscribe to its changes; nothing here polls.
import {
  MESSAGE_CREATED, TICKET_ASSIGNED, TICKET_CREATED, TICKET_DELETED, TICKET_STATUS_CHANGED, TICKET_UPDATED,
  isConversationEvent,
} from "/widget/shared/events.js";
import { OPEN_STATUSES, ms } from "./format.js";
import { debounce } from "./dom.js";

// The ticket events that can change the unassigned count (a reply cannot).
const TICKET_EVENTS = new Set([TICKET_CREATED, TICKET_UPDATED, TICKET_STATUS_CHANGED, TICKET_ASSIGNED, TICKET_DELETED]);

export function createLive({ api, rt, me, onError, onNewWaiting }) {
  const listeners = new Set();
  const state = {
    conversations: new Map(), // id → conversation (WAITING, or ACTIVE and mine)
    previews: new Map(), // conversation id → first customer message
    agents: [],
    availability: new Map(), // "agent:7" → "online" | "away"
    unassigned: null,
  };
  let loaded = false;

  function changed(what) {
    for (const fn of [...listeners]) fn(what);
  }

  function keep(c) {
    return c.status === "WAITING" || (c.status === "ACTIVE" && c.assigneeId === me.id);
  }

  /** Apply a conversation's new state (ignoring one older than what we have). */
  function upsert(c) {
    const old = state.conversations.get(c.id);
    if (old && ms(old.updatedAt) > ms(c.updatedAt)) return false;
    if (keep(c)) state.conversations.set(c.id, c);
    else state.conversations.delete(c.id);
    return true;
  }

  async function loadConversations() {
    const [waiting, mine] = await Promise.all([
      api("GET", "/api/conversations", { query: { view: "waiting", pageSize: 200 } }),
      api("GET", "/api/conversations", { query: { view: "mine", pageSize: 200 } }),
    ]);
    state.conversations = new Map();
    for (const c of [...waiting.items, ...mine.items]) if (keep(c)) state.conversations.set(c.id, c);
    loaded = true;
    changed("conversations");
    for (const c of waiting.items) if (!state.previews.has(c.id)) loadPreview(c.id);
  }

  async function loadPreview(id) {
    try {
      const r = await api("GET", `/api/conversations/${id}/messages`, { query: { limit: 20 } });
      const first = r.items.find((m) => m.authorType === "CONTACT");
      if (first && !state.previews.has(id)) {
        state.previews.set(id, first.body);
        changed("conversations");
      }
    } catch {
      // the preview is a nicety; the item still shows
    }
  }

  const countUnassigned = debounce(async () => {
    try {
      const r = await api("GET", "/api/tickets", {
        query: { assignee: "none", status: OPEN_STATUSES, pageSize: 1 },
      });
      state.unassigned = r.total;
      changed("tickets");
    } catch (err) {
      if (err.status !== 401) onError(err);
    }
  }, 400);

  async function loadAgents() {
    const r = await api("GET", "/api/agents", { query: { pageSize: 200 } });
    state.agents = r.items;
    changed("agents");
  }

  function refetch() {
    loadConversations().catch(onError);
    countUnassigned();
  }

  function onQueue(msg) {
    if (msg.type === "sync") {
      if (msg.refetch) refetch();
      return;
    }
    if (msg.type === "presence") {
      state.availability = new Map();
      for (const [person, p] of msg.people) {
        if (person.startsWith("agent:")) state.availability.set(person, p.status);
      }
      changed("availability");
      return;
    }
    const { event, data } = msg;
    if (TICKET_EVENTS.has(event)) countUnassigned();
    if (!isConversationEvent(event) || !data.conversation) return;
    const c = data.conversation;
    if (event === MESSAGE_CREATED && data.message.authorType === "CONTACT" && !state.previews.has(c.id)) {
      state.previews.set(c.id, data.message.body);
    }
    const wasWaiting = state.conversations.get(c.id)?.status === "WAITING";
    if (!upsert(c)) return;
    if (loaded && !wasWaiting && c.status === "WAITING") onNewWaiting(c);
    changed("conversations");
  }

  return {
    state,
    loadAgents,
    start() {
      refetch();
      return rt.join("queue", onQueue);
    },
    on(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** Apply a conversation returned by a REST call at once (the event follows). */
    upsert(c) {
      if (upsert(c)) changed("conversations");
    },
    waiting() {
      return [...state.conversations.values()]
        .filter((c) => c.status === "WAITING")
        .sort((a, b) => ms(a.waitingSince) - ms(b.waitingSince) || a.id - b.id);
    },
    mine() {
      return [...state.conversations.values()]
        .filter((c) => c.status === "ACTIVE")
        .sort((a, b) => ms(b.lastMessageAt) - ms(a.lastMessageAt) || b.id - a.id);
    },
    agentName(id) {
      return state.agents.find((a) => a.id === id)?.name || (id ? `Agent ${id}` : "");
    },
  };
}
