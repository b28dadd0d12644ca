// Strings live in widget/locales/<lang>.json (the same keys in every language); the page picks
// the language with data-locale, else the browser's; Parley.setTexts({key: "..."}) overrides.

export const LOCALES = ["en", "de"];

export function pickLocale(requested, browser = navigator.languages || [navigator.language]) {
  for (const tag of [requested, ...browser]) {
    const lang = String(tag || "").toLowerCase().split(/[-_]/)[0];
    if (LOCALES.includes(lang)) return lang;
  }
  return "en";
}

export function createI18n(base, requested) {
  const lang = pickLocale(requested);
  let texts = {};
  const overrides = {};
  const bound = []; // [element, key, params, attribute] re-applied when texts change

  async function fetchLocale(code) {
    const res = await fetch(`${base}/widget/locales/${code}.json`, { credentials: "omit" });
    if (!res.ok) throw new Error(`locale ${code}: HTTP ${res.status}`);
    return res.json();
  }

  function t(key, params) {
    const text = overrides[key] ?? texts[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
  }

  function apply([el, key, params, attr]) {
    const text = t(key, params);
    if (attr) el.setAttribute(attr, text);
    else el.textContent = text;
  }

  return {
    lang,
    t,
    async load() {
      try {
        texts = await fetchLocale(lang);
      } catch (err) {
        if (lang === "en") throw err;
        texts = await fetchLocale("en");
      }
    },
    /** Set an element's text (or an attribute) from a key, and keep it current on setTexts. */
    bind(el, key, params, attr) {
      const entry = [el, key, params, attr];
      const i = bound.findIndex((b) => b[0] === el && b[3] === attr);
      if (i >= 0) bound[i] = entry;
      else bound.push(entry);
      apply(entry);
      return el;
    },
    setTexts(values) {
      for (const [key, value] of Object.entries(values || {})) {
        if (typeof value === "string") overrides[key] = value;
      }
      bound.forEach(apply);
    },
    date(iso, withDay) {
      if (!iso) return "";
      const opts = withDay
        ? { dateStyle: "medium", timeStyle: "short" }
        : { hour: "2-digit", minute: "2-digit" };
      try {
        return new Intl.DateTimeFormat(lang, opts).format(new Date(iso));
      } catch {
        return iso;
      }
    }
  };
}
