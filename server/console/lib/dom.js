// DOM helpers. Everything the console shows is built with createElement and text nodes: no
// HTML string ever reaches the page, so customer or agent text cannot become markup.

/** h("button", {class: "x", "data-console": "send", onclick: fn}, "Send", child, ...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  add(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = value;
    else if (key === "value") el.value = value;
    else if (key === "checked" || key === "selected" || key === "disabled") el[key] = !!value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

function add(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child)); // strings become text nodes
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element: s("rect", {x: 1, y: 2}, s("title", {}, "text")). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value != null) el.setAttribute(key, String(value));
  }
  add(el, children);
  return el;
}

/** <select> with [value, label] options (or plain strings), `value` selected. */
export function select(attrs, options, value) {
  const el = h("select", attrs);
  for (const opt of options) {
    const [v, label] = Array.isArray(opt) ? opt : [opt, opt];
    el.append(h("option", { value: String(v) }, label));
  }
  if (value != null) el.value = String(value);
  return el;
}

// Showing, clearing, links (http(s) only, as text) and client ids are the widget's: one
// implementation of the rules that keep user text from becoming markup or a script link.
export { clear, linkify, safeHref, show, uuid } from "/widget/lib/dom.js";

/** Initials for an avatar: "Ada Lovelace" → "AL". */
export function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/).filter(Boolean);
  return (parts.slice(0, 2).map((p) => p[0]).join("") || "?").toUpperCase();
}

/** Call `fn` at most once per `ms`, after the last call (trailing debounce). */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/**
 * Make `container`'s children the rendering of `items`, reusing the element of an item whose
 * key and version did not change and moving elements only when the order changed, so that
 * focus and scroll survive live updates. render(item) returns the element.
 */
export function syncChildren(container, items, keyOf, versionOf, render) {
  const existing = new Map();
  for (const el of container.children) if (el.dataset.key != null) existing.set(el.dataset.key, el);
  let cursor = container.firstElementChild;
  const kept = new Set();
  for (const item of items) {
    const key = String(keyOf(item));
    const version = String(versionOf(item));
    let el = existing.get(key);
    if (!el || el.dataset.version !== version) {
      const fresh = render(item);
      fresh.dataset.key = key;
      fresh.dataset.version = version;
      if (el) {
        const focused = el.contains(document.activeElement) ? document.activeElement : null;
        const focusName = focused && (focused.dataset.console || (focused.hasAttribute("data-nav-item") && "nav"));
        if (el === cursor) cursor = el.nextElementSibling;
        el.replaceWith(fresh);
        el = fresh;
        container.insertBefore(el, cursor);
        if (focusName) {
          const target = focusName === "nav" ? el.querySelector("[data-nav-item]") : el.querySelector(`[data-console="${focusName}"]`);
          target?.focus();
        }
      } else {
        el = fresh;
        container.insertBefore(el, cursor);
      }
    } else if (el === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      container.insertBefore(el, cursor);
    }
    kept.add(el);
  }
  for (const el of [...container.children]) if (!kept.has(el)) el.remove();
}
