// The ticket list: filters, sort, pages, bulk status/assignee, and rows that appear, move and
// update live from `ticket.*` events on `queue`. The filters live in the hash's query string
// (#/tickets?status=OPEN&assignee=me), so a filtered list can be bookmarked.
import { TICKET_DELETED, isTicketEvent } from "/widget/shared/events.js";
import { debounce, h, select, syncChildren } from "../lib/dom.js";
import { OPEN_STATUSES, PRIORITIES, STATUSES, label } from "../lib/format.js";
import { createTicketPage } from "../lib/tickets.js";
import { rowVersion, ticketRow } from "./ticket-row.js";

const SORTS = [
  ["-created", "Newest first"], ["created", "Oldest first"], ["-updated", "Recently updated"],
  ["updated", "Least recently updated"], ["-priority", "Highest priority"], ["priority", "Lowest priority"],
  ["status", "Status (workflow order)"], ["-status", "Status (reverse)"],
];
const FIELDS = ["status", "priority", "assignee", "category", "tag", "q", "sort", "page"];

export function mountTicketList(ctx, { query }) {
  const { api, rt, me, navigate, toast } = ctx;
  const params = Object.fromEntries(FIELDS.map((k) => [k, query.get(k) || ""]));
  const selected = new Set();

  const statusSel = select({ name: "status", id: "f-status" }, [["", "Any status"], ["open", "Any open"], ...STATUSES.map((s) => [s, label(s)])], params.status);
  const prioritySel = select({ name: "priority", id: "f-priority" }, [["", "Any priority"], ...PRIORITIES.map((p) => [p, label(p)])], params.priority);
  const agentOptions = () => ctx.agents.map((a) => [String(a.id), a.id === me.id ? `${a.name} (me)` : a.name]);
  const assigneeSel = select({ name: "assignee", id: "f-assignee" }, [["", "Anyone"], ["me", "Me"], ["none", "Unassigned"], ...agentOptions()], params.assignee);
  const categorySel = select({ name: "category", id: "f-category" }, [["", "Any category"], ...ctx.categories.map((c) => [c, c])], params.category);
  const tagInput = h("input", { name: "tag", id: "f-tag", value: params.tag, placeholder: "tag", autocomplete: "off" });
  const qInput = h("input", { name: "q", id: "f-q", type: "search", value: params.q, placeholder: "Search subject, text or number", autocomplete: "off" });
  const sortSel = select({ name: "sort", id: "f-sort" }, SORTS, params.sort || "-created");
  const field = (id, text, input) => h("div", { class: "field" }, h("label", { for: id }, text), input);
  const filters = h(
    "form",
    { class: "filters", "data-console": "filters", role: "search" },
    field("f-q", "Search", qInput),
    field("f-status", "Status", statusSel),
    field("f-priority", "Priority", prioritySel),
    field("f-assignee", "Assignee", assigneeSel),
    field("f-category", "Category", categorySel),
    field("f-tag", "Tag", tagInput),
    field("f-sort", "Sort", sortSel),
    h("button", { type: "submit", class: "secondary" }, "Apply"),
  );

  const list = h("ul", { class: "rows", "data-console": "ticket-list", "aria-label": "Tickets" });
  const empty = h("p", { class: "empty muted", hidden: true }, "No tickets match these filters.");
  const prev = h("button", { type: "button", class: "secondary", "data-console": "prev-page" }, "← Previous");
  const next = h("button", { type: "button", class: "secondary", "data-console": "next-page" }, "Next →");
  const pageInfo = h("span", { class: "muted", "data-console": "page-info", "aria-live": "polite" });
  const selectAll = h("input", { type: "checkbox", "aria-label": "Select all on this page" });
  const bulkStatus = select({ "data-console": "bulk-status", "aria-label": "Set status" }, [["", "Status…"], ...STATUSES.filter((s) => s !== "NEW").map((s) => [s, label(s)])]);
  const bulkAssignee = select({ "data-console": "bulk-assignee", "aria-label": "Set assignee" }, [["", "Assignee…"], ["none", "Unassign"], ...agentOptions()]);
  const bulkApply = h("button", { type: "button", class: "primary", "data-console": "bulk-apply" }, "Apply to selected");
  const selectedInfo = h("span", { class: "muted" }, "0 selected");
  const bulkBar = h("div", { class: "bulk-bar", "data-console": "bulk-bar" }, h("label", { class: "check" }, selectAll, " All"), selectedInfo, bulkStatus, bulkAssignee, bulkApply);

  function currentFilters() {
    const status = statusSel.value === "open" ? OPEN_STATUSES : statusSel.value ? [statusSel.value] : [];
    return {
      status,
      priority: prioritySel.value ? [prioritySel.value] : [],
      assignee: assigneeSel.value,
      category: categorySel.value,
      tag: tagInput.value.trim().toLowerCase(),
      q: qInput.value.trim(),
    };
  }

  const page = createTicketPage({
    api, meId: me.id, filters: currentFilters(), sort: sortSel.value, page: Math.max(1, Number(params.page) || 1),
    onError: toast, onChange: () => render(),
  });

  function render() {
    const m = page.model;
    syncChildren(list, m.items, (t) => t.id, (t) => rowVersion(t, selected.has(t.reference)), (t) =>
      ticketRow(t, { navigate, selectable: true, selected: selected.has(t.reference), onSelect: toggle }));
    empty.hidden = m.loading || m.items.length > 0;
    const pages = Math.max(1, Math.ceil(m.total / m.pageSize));
    pageInfo.textContent = m.loading && !m.items.length ? "Loading…" : `Page ${m.page} of ${pages}${m.totalExact ? "" : "+"} · ${m.total}${m.totalExact ? "" : "+"} ticket${m.total === 1 ? "" : "s"}`;
    prev.disabled = m.page <= 1;
    next.disabled = m.totalExact ? m.page >= pages : m.items.length < m.pageSize;
    list.setAttribute("aria-busy", String(m.loading));
    const onPage = m.items.map((t) => t.reference);
    selectAll.checked = onPage.length > 0 && onPage.every((r) => selected.has(r));
    selectedInfo.textContent = `${selected.size} selected`;
    bulkApply.disabled = selected.size === 0;
  }

  function toggle(ref, on) {
    if (on) selected.add(ref);
    else selected.delete(ref);
    render();
  }

  function writeHash() {
    const q = new URLSearchParams();
    const values = { status: statusSel.value, priority: prioritySel.value, assignee: assigneeSel.value, category: categorySel.value, tag: tagInput.value.trim(), q: qInput.value.trim(), sort: sortSel.value === "-created" ? "" : sortSel.value, page: page.model.page > 1 ? page.model.page : "" };
    for (const [k, v] of Object.entries(values)) if (v) q.set(k, String(v));
    const qs = q.toString();
    history.replaceState(null, "", `#/tickets${qs ? `?${qs}` : ""}`);
  }

  function reload(resetPage = true) {
    page.model.filters = currentFilters();
    page.model.sort = sortSel.value;
    if (resetPage) page.model.page = 1;
    selected.clear();
    writeHash();
    page.load();
    render();
  }

  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    reload();
  });
  filters.addEventListener("change", (ev) => {
    if (ev.target !== qInput) reload();
  });
  const search = debounce(() => reload(), 350);
  qInput.addEventListener("input", search);
  tagInput.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      reload();
    }
  });
  prev.addEventListener("click", () => {
    page.model.page = Math.max(1, page.model.page - 1);
    reload(false);
  });
  next.addEventListener("click", () => {
    page.model.page += 1;
    reload(false);
  });
  selectAll.addEventListener("change", () => {
    for (const t of page.model.items) {
      if (selectAll.checked) selected.add(t.reference);
      else selected.delete(t.reference);
    }
    render();
  });
  bulkApply.addEventListener("click", async () => {
    const changes = {};
    if (bulkStatus.value) changes.status = bulkStatus.value;
    if (bulkAssignee.value) changes.assigneeId = bulkAssignee.value === "none" ? null : Number(bulkAssignee.value);
    if (!Object.keys(changes).length) {
      toast("Choose a status or an assignee to apply.");
      bulkStatus.focus();
      return;
    }
    bulkApply.disabled = true;
    try {
      const r = await api("POST", "/api/tickets/bulk-update", { body: { refs: [...selected], changes } });
      for (const t of r.tickets) page.apply(t);
      ctx.notice(`Updated ${r.updated} ticket${r.updated === 1 ? "" : "s"}.`);
      selected.clear();
      bulkStatus.value = bulkAssignee.value = "";
    } catch (err) {
      toast(err);
    } finally {
      render();
    }
  });

  const leave = rt.join("queue", (msg) => {
    if (msg.type === "sync" && msg.refetch) page.load();
    if (msg.type !== "event" || !isTicketEvent(msg.event)) return;
    if (msg.event === TICKET_DELETED) {
      page.remove(msg.data.ticketId);
      selected.delete(msg.data.reference);
    } else {
      page.apply(msg.data.ticket);
    }
    render();
  });

  page.load();
  render();
  const el = h(
    "div",
    { class: "ticket-list-view" },
    h("div", { class: "view-head" }, h("h1", {}, "Tickets"), h("a", { href: "#/tickets/new", class: "button primary" }, "New ticket")),
    filters,
    bulkBar,
    h("div", { class: "rows-head", "aria-hidden": "true" }, h("span", {}, ""), h("span", {}, "Ticket"), h("span", {}, "Status"), h("span", {}, "Priority"), h("span", {}, "Assignee"), h("span", {}, "Updated")),
    list,
    empty,
    h("div", { class: "pager" }, prev, pageInfo, next),
  );
  return {
    el,
    title: "Tickets",
    destroy() {
      leave();
      search.cancel();
      page.destroy();
    },
  };
}
