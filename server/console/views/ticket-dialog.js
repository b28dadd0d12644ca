// "Create ticket" from a chat: a <dialog> pre-filled from the conversation; after success it
// shows the new reference as a link.
import { h, select } from "../lib/dom.js";
import { PRIORITIES, label } from "../lib/format.js";

export function openTicketDialog(ctx, { conversation, subject, container, onCreated }) {
  const { api, categories } = ctx;
  const subjectInput = h("input", { name: "subject", id: "td-subject", value: subject.slice(0, 80), maxlength: 300 });
  const priority = select({ name: "priority", id: "td-priority" }, PRIORITIES.map((p) => [p, label(p)]), "MEDIUM");
  const category = select({ name: "category", id: "td-category" }, [["", "No category"], ...categories.map((c) => [c, c])], "");
  const transcript = h("input", { type: "checkbox", name: "includeTranscript", id: "td-transcript", checked: true });
  const notes = h("input", { type: "checkbox", name: "includeInternalNotes", id: "td-notes" });
  const files = h("input", { type: "checkbox", name: "includeAttachments", id: "td-files", checked: true });
  const endChat = h("input", { type: "checkbox", name: "endConversation", id: "td-end" });
  const submit = h("button", { type: "submit", class: "primary", "data-console": "ticket-dialog-submit" }, "Create ticket");
  const cancel = h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel");
  const result = h("p", { class: "result", role: "status" });
  const form = h(
    "form",
    { class: "dialog-form" },
    h("h2", {}, `Create a ticket from chat #${conversation.id}`),
    h("div", { class: "field" }, h("label", { for: "td-subject" }, "Subject"), subjectInput),
    h("div", { class: "field-row" },
      h("div", { class: "field" }, h("label", { for: "td-priority" }, "Priority"), priority),
      h("div", { class: "field" }, h("label", { for: "td-category" }, "Category"), category)),
    h("label", { class: "check" }, transcript, " Include the transcript"),
    h("label", { class: "check" }, notes, " Include internal notes in the transcript"),
    h("label", { class: "check" }, files, " Bring the chat's files to the ticket (internal notes' files with the notes only)"),
    h("label", { class: "check" }, endChat, " End the chat"),
    result,
    h("div", { class: "actions" }, cancel, submit),
  );
  const dialog = h("dialog", { "data-console": "ticket-dialog", "aria-labelledby": "td-title" }, form);
  form.querySelector("h2").id = "td-title";
  dialog.addEventListener("close", () => dialog.remove());

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    const body = {
      priority: priority.value,
      includeTranscript: transcript.checked,
      includeInternalNotes: notes.checked,
      includeAttachments: files.checked,
      endConversation: endChat.checked,
    };
    if (subjectInput.value.trim()) body.subject = subjectInput.value.trim();
    if (category.value) body.category = category.value;
    try {
      const r = await api("POST", `/api/tickets/from-chat/${conversation.id}`, { body });
      const ref = r.ticket.reference;
      result.replaceChildren(
        "Created ticket ",
        h("a", { href: `#/tickets/${encodeURIComponent(ref)}`, "data-console": "created-ref", onclick: () => dialog.close() }, ref),
        ".",
      );
      submit.hidden = true;
      cancel.textContent = "Close";
      cancel.focus();
      onCreated(r);
    } catch (err) {
      ctx.toast(err);
      if (err.error && err.error.reference) {
        const ref = err.error.reference;
        result.replaceChildren("This chat already has ticket ", h("a", { href: `#/tickets/${encodeURIComponent(ref)}`, onclick: () => dialog.close() }, ref), ".");
      }
      submit.disabled = false;
    }
  });

  container.append(dialog);
  dialog.showModal();
  subjectInput.focus();
  subjectInput.select();
  return dialog;
}
