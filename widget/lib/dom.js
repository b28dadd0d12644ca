// DOM helpers. Everything the widget shows is built with createElement and text nodes: no
// HTML string ever reaches the page, so user or agent text cannot become markup.

/** h("button", {class: "x", "data-parley": "send", onclick: fn}, "Send", child, ...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child)); // strings become text nodes
  }
}

export function svg(path, size = 24) {
  const ns = "http://www.w3.org/2000/svg";
  const el = document.createElementNS(ns, "svg");
  el.setAttribute("viewBox", "0 0 24 24");
  el.setAttribute("width", String(size));
  el.setAttribute("height", String(size));
  el.setAttribute("aria-hidden", "true");
  el.setAttribute("focusable", "false");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", path);
  p.setAttribute("fill", "currentColor");
  el.append(p);
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

/** Focus the first focusable field inside `el` (or `fallback`). */
export function focusFirst(el, fallback) {
  const fields = el.querySelectorAll("input:not([type=hidden]), textarea, select");
  const target = Array.from(fields).find((f) => !f.disabled && f.getClientRects().length);
  (target || fallback)?.focus();
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

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function isEmail(value) {
  return EMAIL_RE.test(value);
}

/**
 * Show each field's message from `found` ({name: message}) next to it, mark it aria-invalid,
 * clear the others; returns the first invalid input still in the page (to focus), or null.
 * `fields` is {name: {input, error}}.
 */
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
