// The console's DOM helpers. h() (createElement + text nodes), s() (the same for SVG), showing,
// clearing, links (http(s) only, as text) and client ids are the widget's too, from
// /widget/shared/dom.js: one implementation of the rules that keep customer or agent text from
// becoming markup or a script link. Here: selects, initials, debounce, keyed list sync.
import { h } from "/widget/shared/dom.js";

export { clear, h, linkify, s, safeHref, show, uuid } from "/widget/shared/dom.js";

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
