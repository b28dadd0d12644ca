// The ticket form ("Contact us", and the Chat tab when nobody is available): contact →
// issue → confirmation with the reference and a tracking link. Validation on each step; the
// server's 422 `fields` are shown next to the fields they name.

import { ApiError, retryKey } from "../shared/api.js";
import { focusFirst, h, isEmail, markFields, show } from "../shared/dom.js";
import { createPicker, WIDGET_FILES } from "./tickets.js";

const PRIORITIES = ["LOW", "MEDIUM", "HIGH", "URGENT"];
// Which step shows each field, so a server-side error can take the customer back to it.
const STEP_OF = {
  name: "contact",
  email: "contact",
  subject: "issue",
  description: "issue",
  category: "issue",
  priority: "issue"
};

export function trackingUrl(ref) {
  return `${location.href.split("#")[0]}#parley-ticket=${encodeURIComponent(ref)}`;
}

export function createTicketForm(ctx) {
  const sendKey = retryKey(); // the same form sent again is the same create
  const { t, i18n, api } = ctx;
  let step = "contact";
  let prefilledFor = null;
  let created = null;

  const errors = {};
  function field(input, labelKey, hintKey) {
    const name = input.name;
    input.id = `parley-tf-${name}`;
    const error = h("p", {
      class: "field-error",
      id: `parley-tf-err-${name}`,
      "data-parley": "field-error",
      "data-field": name,
      hidden: true
    });
    input.setAttribute("aria-describedby", error.id);
    errors[name] = { input, error };
    input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => {
      show(error, false);
      input.removeAttribute("aria-invalid");
    });
    return h(
      "div",
      { class: "field" },
      i18n.bind(h("label", { for: input.id }), labelKey),
      input,
      hintKey ? i18n.bind(h("p", { class: "hint" }), hintKey) : null,
      error
    );
  }

  const nameInput = h("input", { name: "name", autocomplete: "name", maxlength: 200 });
  const emailInput = h("input", { name: "email", type: "email", autocomplete: "email", maxlength: 254 });
  const subjectInput = h("input", { name: "subject", maxlength: 300 });
  const descInput = h("textarea", { name: "description", rows: 5, maxlength: 50000 });
  const categorySelect = h("select", { name: "category" });
  const prioritySelect = h("select", { name: "priority" });
  const emailLabelKey = () => ((ctx.contact() || {}).email ? "emailOptional" : "email");

  const nameRow = field(nameInput, "nameOptional");
  const emailRow = field(emailInput, "email", "emailHint");
  const emailLabel = emailRow.querySelector("label");
  const categoryRow = field(categorySelect, "category");
  const priorityRow = field(prioritySelect, "priority");
  const formError = h("p", {
    class: "field-error",
    "data-parley": "field-error",
    "data-field": "form",
    role: "alert",
    hidden: true
  });

  const next = i18n.bind(h("button", { type: "submit", class: "btn btn--primary", "data-parley": "next" }), "next");
  const back = i18n.bind(
    h("button", {
      type: "button",
      class: "btn btn--quiet",
      "data-parley": "back",
      onclick: () => go("contact", true)
    }),
    "back"
  );
  const submit = i18n.bind(
    h("button", { type: "submit", class: "btn btn--primary", "data-parley": "submit-ticket" }),
    "submitTicket"
  );
  const stepContact = h(
    "fieldset",
    { class: "step" },
    i18n.bind(h("legend"), "stepContact"),
    nameRow,
    emailRow,
    h("div", { class: "actions" }, next)
  );
  const stepIssue = h("fieldset", { class: "step", hidden: true });
  const files = createPicker(ctx, WIDGET_FILES, stepIssue);
  stepIssue.append(
    i18n.bind(h("legend"), "stepIssue"),
    field(subjectInput, "subject"),
    field(descInput, "description"),
    files.list,
    categoryRow,
    priorityRow,
    h("div", { class: "actions" }, back, files.button, submit)
  );
  const refEl = h("strong", { class: "ticket-ref", "data-parley": "ticket-ref", tabindex: -1 });
  const trackLink = i18n.bind(h("a", { "data-parley": "tracking-link", href: "#" }), "trackTicket");
  const stepDone = h(
    "div",
    { class: "step step--done", hidden: true, role: "status" },
    i18n.bind(h("p"), "ticketThanks"),
    h("p", {}, i18n.bind(h("span"), "yourReference"), " ", refEl),
    i18n.bind(h("p", { class: "hint" }), "trackHint"),
    h("p", {}, trackLink),
    h(
      "div",
      { class: "actions" },
      i18n.bind(
        h("button", { type: "button", class: "btn btn--quiet", onclick: reset, "data-parley": "another-ticket" }),
        "anotherTicket"
      ),
      i18n.bind(
        h("button", {
          type: "button",
          class: "btn btn--primary",
          "data-parley": "view-ticket",
          onclick: () => created && ctx.openTicket(created.reference)
        }),
        "viewTicket"
      )
    )
  );
  const el = h(
    "form",
    { class: "form", "data-parley": "ticket-form", "data-step": step, novalidate: true, onsubmit: onSubmit },
    formError,
    stepContact,
    stepIssue,
    stepDone
  );

  function option(value, label) {
    return h("option", { value }, label);
  }

  function configure() {
    const config = ctx.config();
    const categories = config.categories || [];
    const chosenCategory = categorySelect.value;
    categorySelect.replaceChildren(option("", t("chooseCategory")), ...categories.map((c) => option(c, c)));
    categorySelect.value = categories.includes(chosenCategory) ? chosenCategory : "";
    show(categoryRow, categories.length > 0);
    const allowPriority = !!(config.widget && config.widget.allowPriority);
    const chosenPriority = prioritySelect.value;
    prioritySelect.replaceChildren(
      option("", t("defaultPriority")),
      ...PRIORITIES.map((p) => option(p, t(`priority.${p}`)))
    );
    prioritySelect.value = chosenPriority;
    // Not just hidden: the select exists only where the organisation allows it.
    if (allowPriority && !priorityRow.isConnected) categoryRow.after(priorityRow);
    if (!allowPriority) priorityRow.remove();
    const contact = ctx.contact() || {};
    i18n.bind(emailLabel, emailLabelKey());
    if (contact.id && contact.id !== prefilledFor) {
      prefilledFor = contact.id;
      if (!nameInput.value && contact.name) nameInput.value = contact.name;
      if (!emailInput.value && contact.email) emailInput.value = contact.email;
    }
  }

  function go(to, focus) {
    step = to;
    el.dataset.step = to;
    show(stepContact, to === "contact");
    show(stepIssue, to === "issue");
    show(stepDone, to === "done");
    if (focus) {
      if (to === "done") refEl.focus();
      else focusFirst(to === "contact" ? stepContact : stepIssue);
    }
  }

  function showErrors(found, focus = true) {
    const first = markFields(errors, found);
    formError.textContent = found.form || "";
    show(formError, !!found.form);
    if (focus && first) {
      if (STEP_OF[first.name] !== step) go(STEP_OF[first.name]);
      first.focus();
    }
    return !!first || !!found.form;
  }

  function checkContact() {
    const found = {};
    const email = emailInput.value.trim();
    if (!email && !(ctx.contact() || {}).email) found.email = t("errRequired");
    else if (email && !isEmail(email)) found.email = t("errEmail");
    if (nameInput.value.trim().length > 200) found.name = t("errTooLong", { n: 200 });
    return found;
  }

  function checkIssue() {
    const found = {};
    const subject = subjectInput.value.trim();
    if (!subject) found.subject = t("errRequired");
    else if (subject.length > 300) found.subject = t("errTooLong", { n: 300 });
    if (!descInput.value.trim()) found.description = t("errRequired");
    return found;
  }

  function onSubmit(ev) {
    ev.preventDefault();
    if (step === "contact") {
      if (!showErrors(checkContact())) go("issue", true);
    } else if (step === "issue") {
      send();
    }
  }

  async function send() {
    const found = { ...checkContact(), ...checkIssue() };
    if (files.busy()) found.form = t("filesBusy");
    if (showErrors(found)) return;
    const body = { subject: subjectInput.value.trim(), description: descInput.value.trim() };
    const name = nameInput.value.trim();
    const email = emailInput.value.trim();
    if (name) body.name = name;
    if (email) body.email = email;
    if (categorySelect.value) body.category = categorySelect.value;
    if (priorityRow.isConnected && prioritySelect.value) body.priority = prioritySelect.value;
    const ids = files.ids();
    if (ids.length) body.attachmentIds = ids;
    submit.disabled = true;
    try {
      await ctx.ensureSession();
      const r = await api("POST", "/api/embed/tickets", { body, idempotencyKey: sendKey.for(body) });
      sendKey.done();
      done(r.ticket);
    } catch (err) {
      if (!(err instanceof ApiError)) {
        console.error("Parley:", err);
        showErrors({ form: t("errGeneric") });
      } else if (err.status === 422 && err.fields) {
        const known = {};
        let unknown = null;
        for (const [key, message] of Object.entries(err.fields)) {
          if (errors[key]) known[key] = message;
          else unknown = message;
        }
        if (unknown && !Object.keys(known).length) known.form = unknown;
        showErrors(known);
      } else if (err.status === 429) {
        ctx.notice.wait(err.retryAfter || 5);
      } else if (err.status === 401) {
        showErrors({ form: t("signInRequired") });
      } else {
        showErrors({ form: err.network ? t("errNetwork") : err.message || t("errGeneric") });
      }
    } finally {
      submit.disabled = false;
    }
  }

  function done(ticket) {
    created = ticket;
    refEl.textContent = ticket.reference;
    trackLink.href = trackingUrl(ticket.reference);
    subjectInput.value = "";
    descInput.value = "";
    categorySelect.value = "";
    prioritySelect.value = "";
    files.clear();
    showErrors({}, false);
    go("done", true);
    ctx.created(ticket);
  }

  function reset() {
    created = null;
    showErrors({}, false);
    go("contact", true);
  }

  configure();
  return {
    el,
    configure,
    focus: () => (step === "done" ? refEl.focus() : focusFirst(step === "contact" ? stepContact : stepIssue)),
    reset() {
      prefilledFor = null;
      nameInput.value = emailInput.value = subjectInput.value = descInput.value = "";
      files.clear();
      created = null;
      showErrors({}, false);
      go("contact");
      configure();
    }
  };
}
