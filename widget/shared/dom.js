// DOM helpers of the widget and the console: every node is made with createElement and text
// goes in as text, so no HTML string reaches a page and user text cannot become markup. Also
// small form helpers (focus, email, field errors).

/** h("button", {class: "x", "data-parley": "send", onclick: fn}, "Send", child, ...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = value;
    else if (key === "value") el.value = value;
    else if (key === "checked" || key === "selected" || key === "disabled") el[key] = !!value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  add(el, children);
  return el;
}

export function add(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value != null) el.setAttribute(key, String(value));
  }
  add(el, children);
  return el;
}

export function show(el, visible) {
  el.hidden = !visible;
}

export function clear(el) {
  el.replaceChildren();
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

/** The text as nodes, with http(s) links as <a> elements (text set with textContent). */
export function linkify(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const match of String(text).matchAll(URL_RE)) {
    let url = match[0];
    // Trailing punctuation ends the sentence, not the link; a ")" only when unbalanced.
    while (/[.,;:!?'"\]}>)]$/.test(url)) {
      if (url.endsWith(")") && count(url, "(") >= count(url, ")")) break;
      url = url.slice(0, -1);
    }
    const href = safeHref(url);
    if (!href) continue;
    frag.append(text.slice(last, match.index));
    frag.append(h("a", { href, target: "_blank", rel: "noopener noreferrer", text: url }));
    last = match.index + url.length;
  }
  frag.append(String(text).slice(last));
  return frag;
}

function count(s, ch) {
  return s.split(ch).length - 1;
}

/** The URL as written, if it parses as an http(s) URL; else null (never javascript: etc.). */
export function safeHref(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

export function uuid() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (globalThis.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Focus the first focusable field inside `el` (or `fallback`). */
export function focusFirst(el, fallback) {
  const fields = el.querySelectorAll("input:not([type=hidden]), textarea, select");
  const target = Array.from(fields).find((f) => !f.disabled && f.getClientRects().length);
  (target || fallback)?.focus();
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function isEmail(value) {
  return EMAIL_RE.test(value);
}

/** Show the messages of `found` ({name: text}) by the fields ({name: {input, error}}), mark
 * them aria-invalid, clear the rest; the first invalid input in the page (to focus), or null. */
export function markFields(fields, found) {
  let first = null;
  for (const [name, { input, error }] of Object.entries(fields)) {
    const message = found[name];
    error.textContent = message || "";
    show(error, !!message);
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    if (message && !first && input.isConnected) first = input;
  }
  return first;
}
