// What the customer writes: the pre-chat form, the composer, typing both ways.

import { focusFirst, h, isEmail, markFields, show, uuid } from "../../shared/dom.js";
import { createPicker, WIDGET_FILES } from "../tickets.js";

const MAX_BODY = 5000;
const TYPING_IDLE_MS = 3000;

export function createCompose(s) {
  const { t, i18n, api, ctx } = s;
  let prefilledFor = null;

  const errors = {};
  function field(input, label) {
    const name = input.name;
    const error = h("p", {
      class: "field-error",
      id: `parley-pc-err-${name}`,
      "data-parley": "prechat-error",
      "data-field": name,
      hidden: true
    });
    errors[name] = { input, error };
    input.id = `parley-pc-${name}`;
    input.addEventListener("input", () => clearError(errors[name]));
    input.setAttribute("aria-describedby", error.id);
    return h("div", { class: "field" }, h("label", { for: input.id }, label), input, error);
  }
  const nameInput = h("input", { name: "name", autocomplete: "name", maxlength: 200 });
  const emailInput = h("input", { name: "email", type: "email", autocomplete: "email", maxlength: 254 });
  const messageInput = h("textarea", { name: "message", rows: 3, maxlength: MAX_BODY });
  const nameLabel = h("span");
  const emailLabel = h("span");
  const nameRow = field(nameInput, nameLabel);
  const emailRow = field(emailInput, emailLabel);
  const messageRow = field(messageInput, i18n.bind(h("span"), "message"));
  const greeting = h("p", { class: "greeting" });
  const startButton = i18n.bind(
    h("button", { type: "submit", class: "btn btn--primary", "data-parley": "start-chat" }),
    "startChat"
  );
  const prechat = h(
    "form",
    { class: "form", "data-parley": "prechat", novalidate: true, onsubmit: startChat },
    greeting,
    nameRow,
    emailRow,
    messageRow,
    h("div", { class: "actions" }, startButton)
  );

  function render(chatting, ended) {
    const config = ctx.config();
    const pc = (config.widget && config.widget.preChat) || {};
    const contact = ctx.contact() || {};
    show(prechat, !chatting);
    greeting.textContent = (config.widget && config.widget.greeting) || "";
    show(greeting, !!greeting.textContent);
    show(nameRow, pc.name !== "hidden");
    show(emailRow, pc.email !== "hidden");
    nameLabel.textContent = t(pc.name === "required" && !contact.name ? "name" : "nameOptional");
    emailLabel.textContent = t(pc.email === "required" && !contact.email ? "email" : "emailOptional");
    if (contact.id && contact.id !== prefilledFor) {
      prefilledFor = contact.id;
      if (!nameInput.value && contact.name) nameInput.value = contact.name;
      if (!emailInput.value && contact.email) emailInput.value = contact.email;
    }
    show(box, chatting && !ended);
    show(endedBox, ended);
    show(transcriptButton, ended && s.conv.id !== asked && !!(contact.email || givenEmail));
    endButton.disabled = !s.conv;
    renderTyping();
  }

  function clearError({ input, error }) {
    show(error, false);
    input.removeAttribute("aria-invalid");
  }

  function showErrors(found) {
    const first = markFields(errors, found);
    if (first) first.focus();
    return !!first;
  }

  function startChat(ev) {
    ev.preventDefault();
    const pc = ctx.config().widget.preChat || {};
    const contact = ctx.contact() || {};
    const name = pc.name === "hidden" ? "" : nameInput.value.trim();
    const email = pc.email === "hidden" ? "" : emailInput.value.trim();
    const body = messageInput.value.trim();
    const found = {};
    if (pc.name === "required" && !name && !contact.name) found.name = t("errRequired");
    if (pc.email === "required" && !email && !contact.email) found.email = t("errRequired");
    else if (email && !isEmail(email)) found.email = t("errEmail");
    if (!body) found.message = t("errRequired");
    else if (body.length > MAX_BODY) found.message = t("errTooLong", { n: MAX_BODY });
    if (showErrors(found)) return;
    const preChat = {};
    if (name) preChat.name = name;
    if (email) preChat.email = givenEmail = email;
    messageInput.value = "";
    ctx.ensureSession().catch(() => {});
    s.outbox.enqueue({ kind: "start", body, clientMessageId: uuid(), preChat });
    composer.focus();
  }

  function refused(item, err) {
    s.messages.removePending(item);
    if (item.preChat) {
      nameInput.value = item.preChat.name || nameInput.value;
      emailInput.value = item.preChat.email || emailInput.value;
    }
    messageInput.value = item.body;
    const f = err.fields || {};
    s.render();
    const shown = showErrors({
      name: f["preChat.name"] || f.name,
      email: f["preChat.email"] || f.email,
      message: f.body
    });
    if (!shown) ctx.notice.show(err.message || t("errGeneric"));
  }

  // the composer
  const presence = new Map(); // person -> entry, on the conversation channel
  let composing = false;
  let typingTimer = null;

  const typingEl = h("p", { class: "typing", "data-parley": "typing", hidden: true });
  const composer = h("textarea", {
    class: "composer__input",
    "data-parley": "composer",
    rows: 2,
    maxlength: MAX_BODY,
    oninput: onInput,
    onkeydown: (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        send();
      }
    }
  });
  i18n.bind(composer, "composerLabel", null, "aria-label");
  i18n.bind(composer, "composerPlaceholder", null, "placeholder");
  const sendButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--primary", "data-parley": "send", onclick: send }),
    "send"
  );
  const endButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--quiet", "data-parley": "end-chat", onclick: endChat }),
    "endChat"
  );
  const box = h("div", { class: "composer" });
  const files = createPicker(ctx, WIDGET_FILES, box);
  box.append(files.list, composer, h("div", { class: "actions" }, endButton, files.button, sendButton));
  const newChatButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--primary", "data-parley": "new-chat", onclick: newChat }),
    "newChat"
  );
  let givenEmail = "";
  let asked = 0;
  const transcriptButton = i18n.bind(
    h("button", { type: "button", class: "btn btn--quiet", "data-parley": "transcript", onclick: emailTranscript }),
    "emailTranscript"
  );
  const endedBox = h("div", { class: "ended", hidden: true }, i18n.bind(h("p"), "chatEnded"), transcriptButton, newChatButton);

  function send() {
    const body = composer.value.trim();
    const attachments = files.done();
    if (files.busy()) return ctx.notice.show(t("filesBusy"));
    if (!body && !attachments.length) return;
    if (body.length > MAX_BODY) {
      ctx.notice.show(t("errTooLong", { n: MAX_BODY }));
      return;
    }
    composer.value = "";
    files.clear();
    stopTyping();
    const conversationId = s.conv ? s.conv.id : null;
    s.outbox.enqueue({ kind: "message", conversationId, body, clientMessageId: uuid(), attachments });
    composer.focus();
  }

  async function endChat() {
    const conv = s.conv;
    if (!conv || conv.status === "ENDED") return;
    stopTyping();
    try {
      const r = await api("POST", `/api/embed/conversations/${conv.id}/end`);
      s.setConversation(r.conversation);
      newChatButton.focus();
    } catch (err) {
      ctx.notice.error(err);
    }
  }

  async function emailTranscript() {
    asked = s.conv.id;
    s.render();
    try {
      const r = await api("POST", `/api/embed/conversations/${asked}/transcript`, { body: {} });
      ctx.notice.show(t("transcriptSent", { email: r.transcript.email }));
    } catch (err) {
      ctx.notice.error(err);
    }
  }

  function newChat() {
    files.clear();
    s.dropConversation();
    focusFirst(prechat);
  }

  // typing
  function onInput() {
    const channel = s.channel;
    if (!channel) return;
    if (!composer.value.trim()) {
      stopTyping();
      return;
    }
    if (!composing && ctx.send({ type: "typing", channel, composing: true })) composing = true;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (composing && s.channel) ctx.send({ type: "typing", channel: s.channel, composing: false });
    composing = false;
  }

  function renderTyping() {
    const names = [];
    for (const entry of presence.values()) {
      if (String(entry.person).startsWith("agent:") && entry.composing) names.push(entry.name || t("agent"));
    }
    const visible = names.length > 0 && !!s.conv && s.conv.status !== "ENDED";
    typingEl.textContent = visible ? t("typing", { name: names.join(", ") }) : "";
    show(typingEl, visible);
  }

  return {
    prechat,
    typingEl,
    box,
    endedBox,
    render,
    refused,
    stopTyping,
    onPresence(frame) {
      if (frame.channel !== s.channel) return;
      if (frame.snapshot) {
        presence.clear();
        for (const e of frame.snapshot) presence.set(e.person, e);
      }
      for (const e of frame.joined || []) presence.set(e.person, e);
      for (const e of frame.updated || []) presence.set(e.person, e);
      for (const person of frame.left || []) presence.delete(person);
      renderTyping();
    },
    channelChanged() {
      presence.clear();
      composing = false;
    },
    connected() {
      composing = false;
    },
    disconnected() {
      presence.clear();
      composing = false;
      renderTyping();
    },
    focusPrechat: () => focusFirst(prechat),
    focus: () => composer.focus(),
    focusNewChat: () => newChatButton.focus(),
    reset() {
      nameInput.value = emailInput.value = "";
      files.clear();
    }
  };
}
