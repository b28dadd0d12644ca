// A new ticket from the console: search a requester (or type a new one), subject, description,
// files, priority, category, tags, assignee. Field errors from the server show next to their
// field.
import { debounce, h, select } from "../lib/dom.js";
import { PRIORITIES, label } from "../lib/format.js";
import { createAttachmentPicker } from "./attachment-picker.js";

const FIELDS = ["requesterName", "requesterEmail", "subject", "description", "priority", "category", "tags", "assigneeId", "attachmentIds"];

export function mountNewTicket(ctx) {
  const { api, me, navigate, toast } = ctx;
  const inputs = {
    requesterQuery: h("input", { name: "requesterQuery", id: "nt-query", type: "search", autocomplete: "off", placeholder: "Search contacts by name or email" }),
    requesterName: h("input", { name: "requesterName", id: "nt-name", autocomplete: "off" }),
    requesterEmail: h("input", { name: "requesterEmail", id: "nt-email", type: "email", autocomplete: "off", required: true }),
    subject: h("input", { name: "subject", id: "nt-subject", maxlength: 300, required: true }),
    description: h("textarea", { name: "description", id: "nt-description", rows: 6 }),
    priority: select({ name: "priority", id: "nt-priority" }, [["", "Default"], ...PRIORITIES.map((p) => [p, label(p)])], ""),
    category: select({ name: "category", id: "nt-category" }, [["", "No category"], ...ctx.categories.map((c) => [c, c])], ""),
    tags: h("input", { name: "tags", id: "nt-tags", autocomplete: "off", placeholder: "comma, separated" }),
    assignee: select({ name: "assignee", id: "nt-assignee" }, [["", "Unassigned"], ...ctx.agents.map((a) => [String(a.id), a.id === me.id ? `${a.name} (me)` : a.name])], ""),
  };
  const errors = {};
  // A slot per field; the error element exists only while there is an error to show.
  const errorFor = (field) => (errors[field] = h("div", { class: "field-error-slot", id: `nt-err-${field}` }));
  const setError = (field, message) => errors[field].replaceChildren(
    ...(message ? [h("p", { class: "field-error", "data-console": "field-error", "data-field": field }, message)] : []));
  const results = h("ul", { class: "options", "aria-label": "Matching contacts", hidden: true });
  const chosen = h("p", { class: "muted", "aria-live": "polite" });
  const create = h("button", { type: "submit", class: "primary", "data-console": "create" }, "Create ticket");
  const field = (id, text, input, name) => h("div", { class: "field" }, h("label", { for: id }, text), input, name ? errorFor(name) : null);
  const form = h("form", { class: "new-ticket panel", "data-console": "new-ticket", novalidate: true });
  const picker = createAttachmentPicker(ctx, { dropZone: form, pasteTarget: inputs.description });
  const filesField = h("div", { class: "field files-field", "data-console": "new-ticket-files" },
    h("span", { class: "label" }, "Files"), picker.el, h("div", {}, picker.button), errorFor("attachmentIds"));

  form.append(
    h("h1", {}, "New ticket"),
    h("fieldset", {},
      h("legend", {}, "Requester"),
      field("nt-query", "Find a contact", inputs.requesterQuery),
      results,
      chosen,
      h("div", { class: "field-row" },
        field("nt-name", "Name", inputs.requesterName, "requesterName"),
        field("nt-email", "Email", inputs.requesterEmail, "requesterEmail"))),
    field("nt-subject", "Subject", inputs.subject, "subject"),
    field("nt-description", "Description", inputs.description, "description"),
    filesField,
    h("div", { class: "field-row" },
      field("nt-priority", "Priority", inputs.priority, "priority"),
      field("nt-category", "Category", inputs.category, "category"),
      field("nt-assignee", "Assignee", inputs.assignee, "assigneeId")),
    field("nt-tags", "Tags", inputs.tags, "tags"),
    h("div", { class: "actions" }, create),
  );

  function choose(c) {
    inputs.requesterName.value = c.name || "";
    inputs.requesterEmail.value = c.email || "";
    chosen.textContent = `Requester: ${c.name || c.email}${c.verified ? " (verified)" : ""}`;
    results.hidden = true;
    inputs.subject.focus();
  }

  let searchGen = 0;
  const search = debounce(async () => {
    const q = inputs.requesterQuery.value.trim();
    const mine = ++searchGen;
    if (!q) {
      results.hidden = true;
      return;
    }
    try {
      const r = await api("GET", "/api/contacts", { query: { q, pageSize: 8 } });
      if (mine !== searchGen) return;
      results.replaceChildren(...(r.items.length
        ? r.items.map((c) => h("li", {}, h("button", { type: "button", class: "option", "data-console": "requester-option", "data-contact-id": c.id, onclick: () => choose(c) },
            h("strong", {}, c.name || "(no name)"), " ", h("span", { class: "muted" }, c.email || "(no email)"), c.verified ? h("span", { class: "badge" }, "verified") : null)))
        : [h("li", { class: "muted" }, "No contact matches: fill in a new requester below.")]));
      results.hidden = false;
    } catch (err) {
      toast(err);
    }
  }, 250);
  inputs.requesterQuery.addEventListener("input", search);
  inputs.requesterQuery.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      results.querySelector("[data-console=requester-option]")?.focus();
    }
  });

  function showErrors(fields) {
    let first = null;
    for (const name of FIELDS) {
      const msg = fields[name] || fields[name.replace(/Id$/, "")];
      const err = errors[name];
      if (!err) continue;
      setError(name, msg);
      const input = inputs[name] || inputs[name.replace(/Id$/, "")] || (name === "attachmentIds" ? picker.button : null);
      if (msg) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", err.id);
        first = first || input;
      } else {
        input.removeAttribute("aria-invalid");
      }
    }
    // "tags.0" and similar nested keys belong to their top field.
    for (const [key, msg] of Object.entries(fields)) {
      const top = key.split(".")[0];
      if (top !== key && errors[top] && !errors[top].childElementCount) setError(top, msg);
    }
    return first;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const local = {};
    if (!inputs.requesterEmail.value.trim()) local.requesterEmail = "The requester's email is required.";
    if (!inputs.subject.value.trim()) local.subject = "A subject is required.";
    if (Object.keys(local).length) {
      showErrors(local)?.focus();
      return;
    }
    const body = {
      requesterName: inputs.requesterName.value.trim(),
      requesterEmail: inputs.requesterEmail.value.trim(),
      subject: inputs.subject.value.trim(),
      description: inputs.description.value,
      tags: inputs.tags.value.split(",").map((t) => t.trim()).filter(Boolean),
    };
    if (inputs.priority.value) body.priority = inputs.priority.value;
    if (inputs.category.value) body.category = inputs.category.value;
    if (inputs.assignee.value) body.assigneeId = Number(inputs.assignee.value);
    create.disabled = true;
    let files = null;
    try {
      await picker.settle(); // the form waits for files still uploading
      files = picker.take();
      body.attachmentIds = files.ids;
      const r = await api("POST", "/api/tickets", { body });
      picker.sent(files);
      files = null;
      showErrors({});
      ctx.notice(`Created ${r.ticket.reference}.`);
      navigate(`#/tickets/${encodeURIComponent(r.ticket.reference)}`);
    } catch (err) {
      if (files) picker.restore(files);
      const first = err.fields ? showErrors(err.fields) : null;
      toast(err);
      first?.focus();
    } finally {
      create.disabled = false;
    }
  });

  queueMicrotask(() => inputs.requesterQuery.focus());
  return {
    el: h("div", { class: "new-ticket-view" }, form),
    title: "New ticket",
    destroy() {
      search.cancel();
      picker.destroy();
    },
  };
}
