// The customer beside a chat: name, email, verified, their other conversations and tickets.
import { h } from "../lib/dom.js";
import { label, when } from "../lib/format.js";
import { statusPill } from "./ticket-row.js";

export function customerPanel(ctx, conversation) {
  const { api } = ctx;
  const contact = conversation.contact;
  const pastConversations = h("ul", { class: "mini-list", "aria-label": "Past conversations" });
  const pastTickets = h("ul", { class: "mini-list", "aria-label": "Tickets" });
  const details = h("dl", { class: "details" });
  const el = h(
    "aside",
    { class: "panel customer", "data-console": "customer", "aria-label": "Customer" },
    h("h2", {}, "Customer"),
    details,
    h("h3", {}, "Past conversations"),
    pastConversations,
    h("h3", {}, "Tickets"),
    pastTickets,
  );

  function renderDetails(c) {
    const k = c.contact;
    const rows = [
      ["Name", k.name || "(no name)", "customer-name"],
      ["Email", k.email || "(no email)", "customer-email"],
      ["Identity", k.verified ? "Verified" : "Not verified", "customer-verified"],
    ];
    for (const [key, value] of Object.entries(c.preChat || {})) {
      if (key !== "name" && key !== "email") rows.push([label(key), value, null]);
    }
    details.replaceChildren(
      ...rows.flatMap(([term, value, name]) => [
        h("dt", {}, term),
        h("dd", { "data-console": name, "data-verified": name === "customer-verified" ? String(!!k.verified) : null, class: name === "customer-verified" && k.verified ? "verified" : null }, value),
      ]),
    );
  }

  function fill(list, items, render, emptyText) {
    list.replaceChildren(...(items.length ? items.map(render) : [h("li", { class: "muted" }, emptyText)]));
  }

  async function loadConversations() {
    try {
      const r = await api("GET", "/api/conversations", { query: { contactId: contact.id, view: "all", pageSize: 20 } });
      fill(
        pastConversations,
        r.items.filter((c) => c.id !== conversation.id),
        (c) => h("li", { "data-console": "past-conversation", "data-conversation-id": c.id },
          h("a", { href: `#/conversations/${c.id}` }, `Chat #${c.id}`), " ",
          h("span", { class: "muted" }, `${label(c.status)} · ${when(c.createdAt)}`)),
        "None before this one.",
      );
    } catch (err) {
      ctx.toast(err);
    }
  }

  async function loadTickets() {
    let r;
    try {
      r = await api("GET", "/api/tickets", { query: { requesterId: contact.id, pageSize: 20 } });
    } catch (err) {
      // Older servers filter by the requester's email only.
      if (err.status === 422 && contact.email) {
        try {
          r = await api("GET", "/api/tickets", { query: { requesterEmail: contact.email, pageSize: 20 } });
        } catch (err2) {
          ctx.toast(err2);
          return;
        }
      } else {
        if (err.status !== 422) ctx.toast(err);
        fill(pastTickets, [], null, "No tickets.");
        return;
      }
    }
    fill(
      pastTickets,
      r.items,
      (t) => h("li", { "data-console": "past-ticket", "data-ref": t.reference },
        h("a", { href: `#/tickets/${encodeURIComponent(t.reference)}` }, t.reference), " ",
        h("span", {}, t.subject), " ", statusPill(t.status)),
      "No tickets.",
    );
  }

  renderDetails(conversation);
  loadConversations();
  loadTickets();
  return {
    el,
    update(c) {
      renderDetails(c);
    },
    reloadTickets: loadTickets,
  };
}
