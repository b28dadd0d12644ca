// A live page of tickets: loaded over REST with filters, sort and page, then kept current from
// `ticket.*` events. Each event carries the whole ticket, so it is checked against the filters
// here exactly as the server would: a ticket that now matches is added (if it sorts into this
// page), one that no longer matches is removed, one that changed is updated and moved. The
// total is reconciled with a count query after a burst of events (rows are never refetched
// behind the agent's back).
import { PRIORITIES, STATUSES, ms } from "./format.js";
import { debounce } from "./dom.js";

const REF_RE = /^([A-Za-z][A-Za-z0-9]{0,9})-0*([0-9]{1,9})$/;

/** Does `t` pass `filters` ({status:[], priority:[], assignee, category, tag, q, requesterId})? */
export function matches(t, f, meId) {
  if (f.status && f.status.length && !f.status.includes(t.status)) return false;
  if (f.priority && f.priority.length && !f.priority.includes(t.priority)) return false;
  if (f.assignee === "me" && t.assigneeId !== meId) return false;
  if (f.assignee === "none" && t.assigneeId != null) return false;
  if (f.assignee && /^[0-9]+$/.test(f.assignee) && t.assigneeId !== Number(f.assignee)) return false;
  if (f.category && t.category !== f.category) return false;
  if (f.tag && !(t.tags || []).includes(f.tag.trim().toLowerCase())) return false;
  if (f.requesterId && t.requesterId !== Number(f.requesterId)) return false;
  if (f.q) {
    const q = f.q.trim().toLowerCase();
    const text = `${t.subject}\n${t.description || ""}`.toLowerCase();
    const ref = REF_RE.exec(q);
    const num = ref ? Number(ref[2]) : /^[0-9]{1,9}$/.test(q) ? Number(q) : null;
    if (!text.includes(q) && t.number !== num) return false;
  }
  return true;
}

/** A comparator for the API's sort values (`created`, `-priority`, ...), ties by id. */
export function comparator(sort) {
  const desc = sort.startsWith("-");
  const key = sort.replace(/^-/, "");
  const value = {
    created: (t) => ms(t.createdAt),
    updated: (t) => ms(t.updatedAt),
    priority: (t) => PRIORITIES.indexOf(t.priority),
    status: (t) => STATUSES.indexOf(t.status),
  }[key] || ((t) => ms(t.createdAt));
  const sign = desc ? -1 : 1;
  return (a, b) => sign * (value(a) - value(b) || a.id - b.id);
}

/** Query parameters for GET /api/tickets from filters. */
export function toQuery(filters) {
  const q = {};
  for (const [k, v] of Object.entries(filters)) {
    if (v == null || v === "" || (Array.isArray(v) && !v.length)) continue;
    q[k] = v;
  }
  return q;
}

export function createTicketPage({ api, meId, filters, sort = "-created", page = 1, pageSize = 25, onChange, onError }) {
  const model = { items: [], total: 0, totalExact: true, page, pageSize, filters, sort, loading: false };
  let generation = 0;

  async function load() {
    const mine = ++generation;
    model.loading = true;
    try {
      const r = await api("GET", "/api/tickets", {
        query: { ...toQuery(model.filters), sort: model.sort, page: model.page, pageSize: model.pageSize },
      });
      if (mine !== generation) return;
      model.items = r.items;
      model.total = r.total;
      model.totalExact = r.totalExact !== false;
    } catch (err) {
      if (mine === generation) onError(err);
    } finally {
      if (mine === generation) {
        model.loading = false;
        onChange("load");
      }
    }
  }

  const recount = debounce(async () => {
    try {
      const r = await api("GET", "/api/tickets", { query: { ...toQuery(model.filters), pageSize: 1 } });
      if (r.total !== model.total) {
        model.total = r.total;
        model.totalExact = r.totalExact !== false;
        onChange("total");
      }
    } catch {
      // the count is reconciled at the next event or load
    }
  }, 800);

  /** Apply one ticket's new state; returns "added" | "removed" | "updated" | null. */
  function apply(ticket) {
    const i = model.items.findIndex((t) => t.id === ticket.id);
    if (i >= 0 && ms(model.items[i].updatedAt) > ms(ticket.updatedAt)) return null;
    const ok = matches(ticket, model.filters, meId);
    const cmp = comparator(model.sort);
    let result = null;
    if (i >= 0 && !ok) {
      model.items.splice(i, 1);
      model.total = Math.max(0, model.total - 1);
      result = "removed";
    } else if (i >= 0) {
      model.items[i] = ticket;
      model.items.sort(cmp);
      result = "updated";
    } else if (ok) {
      const full = model.items.length >= model.pageSize;
      const last = model.items[model.items.length - 1];
      const first = model.items[0];
      const beforeFirst = !first || cmp(ticket, first) < 0;
      // It belongs on this page if it sorts inside it (or before it on page 1, or the page has room).
      const fits = (model.page === 1 || !beforeFirst) && (!full || (last && cmp(ticket, last) < 0));
      model.total += 1;
      if (fits) {
        model.items.push(ticket);
        model.items.sort(cmp);
        if (model.items.length > model.pageSize) model.items.length = model.pageSize;
        result = "added";
      }
    }
    recount();
    return result;
  }

  function remove(ticketId) {
    const i = model.items.findIndex((t) => t.id === ticketId);
    if (i >= 0) model.items.splice(i, 1);
    recount();
    return i >= 0;
  }

  return { model, load, apply, remove, destroy: () => recount.cancel() };
}
