// One ticket as a row, shared by the queue's ticket lists and the ticket list.
import { h } from "../lib/dom.js";
import { label, relative } from "../lib/format.js";

export function statusPill(status, attrs = {}) {
  return h("span", { class: `pill status-${status.toLowerCase()}`, "data-status": status, ...attrs }, label(status));
}

export function priorityPill(priority, attrs = {}) {
  return h("span", { class: `pill priority-${priority.toLowerCase()}`, "data-priority": priority, ...attrs }, label(priority));
}

/** opts: {navigate, selectable, selected, onSelect(ref, checked)} */
export function ticketRow(t, opts) {
  const href = `#/tickets/${encodeURIComponent(t.reference)}`;
  const checkbox = opts.selectable
    ? h("input", {
        type: "checkbox",
        "data-console": "select-row",
        "aria-label": `Select ${t.reference}`,
        checked: opts.selected,
        onchange: (ev) => opts.onSelect(t.reference, ev.target.checked),
      })
    : null;
  const row = h(
    "li",
    { class: "ticket-row", "data-console": "ticket-row", "data-ref": t.reference, "data-id": t.id },
    checkbox ? h("span", { class: "cell select" }, checkbox) : null,
    h(
      "span",
      { class: "cell main" },
      h("a", { href, class: "ref", "data-nav-item": true }, t.reference),
      " ",
      h("span", { class: "subject" }, t.subject),
      t.originChatId ? h("span", { class: "badge chat-badge", "data-console": "from-chat", title: `Created from live chat #${t.originChatId}` }, "From chat") : null,
      h("span", { class: "requester muted" }, t.requesterName || t.requesterEmail || ""),
    ),
    h("span", { class: "cell" }, statusPill(t.status, { "data-console": "row-status" })),
    h("span", { class: "cell" }, priorityPill(t.priority, { "data-console": "row-priority" })),
    h("span", { class: `cell assignee${t.assigneeId ? "" : " muted"}`, "data-console": "row-assignee", "data-assignee-id": t.assigneeId ?? "" }, t.assigneeName || "Unassigned"),
    h("span", { class: "cell muted updated", title: `Updated ${t.updatedAt}` }, relative(t.updatedAt)),
  );
  row.addEventListener("click", (ev) => {
    if (ev.target.closest("a, input, button, label")) return;
    opts.navigate(href);
  });
  return row;
}

export function rowVersion(t, selected) {
  return `${t.updatedAt}|${t.assigneeName}|${selected ? 1 : 0}`;
}
