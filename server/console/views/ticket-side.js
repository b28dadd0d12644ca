// The ticket detail's side panel: status / priority / assignee / category / tags controls, SLA
// clocks, the requester and the chat the ticket came from (with its transcript on demand).
import { h, select } from "../lib/dom.js";
import { PRIORITIES, STATUSES, duration, fullTime, label, ms, when } from "../lib/format.js";

export function ticketSide(ctx, { onChange }) {
  const { api, me } = ctx;
  const status = select({ "data-console": "status", id: "t-status" }, STATUSES.map((s) => [s, label(s)]));
  const priority = select({ "data-console": "priority", id: "t-priority" }, PRIORITIES.map((p) => [p, label(p)]));
  const assignee = select({ "data-console": "assignee", id: "t-assignee" }, [["", "Unassigned"]]);
  const category = select({ "data-console": "category", id: "t-category" }, [["", "No category"]]);
  const tags = h("input", { "data-console": "tags", id: "t-tags", autocomplete: "off", placeholder: "comma, separated" });
  const sla = h("dl", { class: "sla", "data-console": "sla" });
  const requester = h("p", { class: "requester" });
  const related = h("section", { class: "related", "data-console": "related-chat", hidden: true });
  const field = (id, text, input) => h("div", { class: "field" }, h("label", { for: id }, text), input);
  const el = h(
    "aside",
    { class: "panel ticket-side", "aria-label": "Ticket properties" },
    field("t-status", "Status", status),
    field("t-priority", "Priority", priority),
    field("t-assignee", "Assignee", assignee),
    field("t-category", "Category", category),
    field("t-tags", "Tags (comma separated, Enter applies)", tags),
    h("h3", {}, "SLA"),
    sla,
    h("h3", {}, "Requester"),
    requester,
    related,
  );
  let ticket = null;
  let relatedFor = null;

  function options(sel, list, value) {
    sel.replaceChildren(...list.map(([v, text]) => h("option", { value: v }, text)));
    sel.value = value;
  }

  function clock(name, due, doneAt, doneLabel) {
    const row = [h("dt", {}, name)];
    if (doneAt) {
      const late = due && ms(doneAt) > ms(due);
      row.push(h("dd", { class: late ? "late" : "met", "data-overdue": "false", title: fullTime(doneAt) }, `${doneLabel} ${when(doneAt)}${late ? " (late)" : ""}`));
    } else if (due) {
      const left = (ms(due) - Date.now()) / 1000;
      const overdue = left < 0;
      row.push(h("dd", { class: overdue ? "overdue" : left < 3600 ? "soon" : "", "data-overdue": String(overdue), title: `Due ${fullTime(due)}` },
        overdue ? `Overdue by ${duration(-left)}` : `Due in ${duration(left)}`));
    } else {
      row.push(h("dd", { class: "muted" }, "No target"));
    }
    return row;
  }

  function renderSla() {
    if (!ticket) return;
    const closed = ["CANCELLED"].includes(ticket.status);
    sla.replaceChildren(
      ...clock("First response", closed ? null : ticket.firstResponseDueAt, ticket.firstResponseAt, "Answered"),
      ...clock("Resolution", closed ? null : ticket.resolutionDueAt, ticket.resolvedAt, "Resolved"),
    );
    sla.classList.toggle("overdue", !!sla.querySelector("[data-overdue=true]"));
  }

  function renderRelated() {
    const chatId = ticket.originChatId;
    related.hidden = !chatId;
    if (!chatId || relatedFor === chatId) return;
    relatedFor = chatId;
    const transcript = h("ol", { class: "transcript" });
    const details = h("details", {}, h("summary", {}, "Show the transcript"), transcript);
    details.addEventListener("toggle", async () => {
      if (!details.open || transcript.childElementCount) return;
      try {
        const r = await api("GET", `/api/conversations/${chatId}`, { query: { limit: 200 } });
        transcript.replaceChildren(...r.messages.map((m) => h("li", { class: m.isInternal ? "internal" : null },
          h("span", { class: "muted" }, `${when(m.createdAt)} ${m.authorName || label(m.authorType)}${m.isInternal ? " (internal note)" : ""}: `), m.body)));
      } catch (err) {
        ctx.toast(err);
      }
    });
    related.replaceChildren(
      h("h3", {}, "Related chat"),
      h("p", {}, "Created from ", h("a", { href: `#/conversations/${chatId}`, "data-console": "related-chat-link" }, `live chat #${chatId}`), "."),
      details,
    );
  }

  function set(t) {
    ticket = t;
    status.value = t.status;
    priority.value = t.priority;
    const agents = ctx.agents.map((a) => [String(a.id), a.id === me.id ? `${a.name} (me)` : a.name]);
    if (t.assigneeId && !agents.some(([v]) => v === String(t.assigneeId))) agents.push([String(t.assigneeId), t.assigneeName || `Agent ${t.assigneeId}`]);
    options(assignee, [["", "Unassigned"], ...agents], t.assigneeId ? String(t.assigneeId) : "");
    const cats = ctx.categories.map((c) => [c, c]);
    if (t.category && !ctx.categories.includes(t.category)) cats.push([t.category, t.category]);
    options(category, [["", "No category"], ...cats], t.category || "");
    if (document.activeElement !== tags) tags.value = (t.tags || []).join(", ");
    requester.replaceChildren(h("strong", {}, t.requesterName || "(no name)"), h("br"), t.requesterEmail || "");
    renderSla();
    renderRelated();
  }

  // Each control writes on change; on failure the control goes back to the ticket's value.
  async function write(method, path, body) {
    try {
      const r = await api(method, `/api/tickets/${encodeURIComponent(ticket.reference)}${path}`, { body });
      onChange(r.ticket);
    } catch (err) {
      ctx.toast(err);
      set(ticket);
    }
  }
  status.addEventListener("change", () => write("PATCH", "/status", { status: status.value }));
  priority.addEventListener("change", () => write("PATCH", "", { priority: priority.value }));
  category.addEventListener("change", () => write("PATCH", "", { category: category.value || null }));
  assignee.addEventListener("change", () => write("POST", "/assign", { agentId: assignee.value ? Number(assignee.value) : null }));
  function applyTags() {
    const list = [...new Set(tags.value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];
    if (list.join(",") === (ticket.tags || []).join(",")) return;
    write("PATCH", "", { tags: list });
  }
  tags.addEventListener("change", applyTags);
  tags.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      applyTags();
    }
  });

  const tick = setInterval(renderSla, 30000);
  return { el, set, destroy: () => clearInterval(tick) };
}
