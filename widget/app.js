// The widget app, injected by loader.js (window.Parley._boot): config and colours, the parts
// (app/, views/) on one hub, the start, window.Parley.

import { createLive, createSession } from "./app/connection.js";
import { createNotice, createShell } from "./app/shell.js";
import { textOn } from "./lib/colour.js";
import { createI18n } from "./lib/i18n.js";
import { createStore } from "./lib/store.js";
import { ApiError, createApi } from "./shared/api.js";
import { show } from "./shared/dom.js";
import { createChat } from "./views/chat.js";
import { createTicketForm } from "./views/ticket-form.js";
import { createTickets } from "./views/tickets.js";

const CONFIG_MAX_AGE_MS = 60000;
const Parley = window.Parley;
const boot = Parley && Parley._boot;
if (boot) {
  delete Parley._boot;
  main(boot).catch((err) => console.error("Parley:", err));
}

async function main({ host, root, base, css, queue, listeners, options }) {
  const siteKey = options.siteKey;
  const i18n = createI18n(base, options.locale);
  const t = i18n.t;
  // The hub: the parts find each other here when they need to.
  const app = { host, root, base, siteKey, options, i18n, t, config: null, built: false };
  const st = (app.store = createStore(siteKey, () => app.session.adopted())).state;
  // No cookies; without a token a session first; on a 401 a new one, and one retry.
  const renew = () => app.session.renew();
  app.api = createApi({
    base,
    credentials: "omit",
    token: async () => st.token || (await renew(), st.token),
    unauthorized: () => renew().then(() => true)
  });
  app.render = () => app.built && app.shell.render(); // the views render once while being made

  app.emit = (name, payload) => {
    for (const fn of [...(listeners[name] || [])]) {
      try {
        fn(payload);
      } catch (err) {
        console.error(`Parley: a "${name}" handler failed:`, err);
      }
    }
  };

  function take(name) {
    const taken = queue.filter((call) => call[0] === name);
    for (const call of taken) queue.splice(queue.indexOf(call), 1);
    return taken;
  }

  // configuration: also where a page on a foreign origin is refused
  let configAt = 0;
  app.fetchConfig = async () => {
    const c = await app.api("GET", "/api/embed/config", { query: { siteKey }, auth: false });
    configAt = Date.now();
    return c;
  };
  app.refreshConfig = async () => {
    if (Date.now() - configAt < CONFIG_MAX_AGE_MS) return;
    try {
      app.config = await app.fetchConfig();
      applyColours();
      app.form.configure();
      app.chat.render();
      app.render();
    } catch {
      // keep the one we have
    }
  };

  /** The organisation's colour, and a readable text colour on it. They are fallbacks: a page
   * that sets --parley-primary (or --parley-on-primary) anywhere above the widget wins. */
  function applyColours() {
    const primary = app.config.widget && app.config.widget.primaryColor;
    if (primary) host.style.setProperty("--parley-org-primary", primary);
    const rgb = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(app.shell.launcher).backgroundColor);
    if (rgb) host.style.setProperty("--parley-org-on-primary", textOn(+rgb[1], +rgb[2], +rgb[3]));
  }

  const locale = i18n.load().catch((err) => console.warn("Parley: no texts:", err));
  for (let attempt = 0; ; attempt++) {
    try {
      app.config = await app.fetchConfig();
      break;
    } catch (err) {
      if (err instanceof ApiError && (err.network || err.status >= 500) && attempt < 6) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(60000, 2000 * 2 ** attempt)));
        continue;
      }
      const why =
        err.status === 403
          ? `this page's origin (${location.origin}) is not allowed for this site key`
          : err.status === 404
            ? "unknown site key"
            : err.message;
      console.warn(`Parley: the widget does not start: ${why}.`);
      host.remove();
      for (const call of take("identify")) call[3](err);
      for (const name of ["open", "close", "setTexts"]) Parley[name] = () => {};
      Parley.identify = () => Promise.reject(err);
      return;
    }
  }
  await locale;
  for (const call of take("setTexts")) i18n.setTexts(call[1][0]);

  // the parts
  const session = (app.session = createSession(app));
  const live = (app.live = createLive(app));
  app.notice = createNotice(t);
  const ctx = {
    t,
    i18n,
    api: app.api,
    store: app.store,
    siteKey,
    notice: app.notice,
    emit: app.emit,
    ensureSession: session.ensure,
    config: () => app.config,
    contact: session.contact,
    hasSession: () => !!st.token,
    openTicket: (ref) => app.shell.openTicket(ref)
  };
  app.chat = createChat({
    ...ctx,
    live: live.isLive,
    send: live.send,
    subscribe: live.subscribe,
    unsubscribe: live.unsubscribe,
    visible: () => app.shell.showsChat() && document.visibilityState === "visible",
    changed: app.render
  });
  app.tickets = createTickets(ctx);
  app.form = createTicketForm({
    ...ctx,
    created(ticket) {
      app.tickets.upsertItem(ticket);
      app.emit("ticketCreated", ticket);
    }
  });
  const shell = (app.shell = createShell(app));

  // start
  app.built = true;
  shell.selectTab("chat", false);
  try {
    await css;
  } catch {
    console.warn(`Parley: could not load ${base}/widget/widget.css; the widget does not start.`);
    host.remove();
    return;
  }
  applyColours();
  show(shell.launcher, true);
  shell.render();
  document.addEventListener("visibilitychange", () => {
    app.chat.maybeMarkRead();
    shell.render();
  });
  window.addEventListener("hashchange", shell.onHash);

  // A queued identify() makes the first session (so a signed-in user never starts anonymous);
  // else a returning visitor's token is checked (a 401 refreshes it) and the widget goes live.
  // A first-time visitor gets a session only when they open the panel.
  const identifies = take("identify");
  const last = identifies[identifies.length - 1];
  if (last) {
    session.identify(last[1][0]).then(
      (c) => identifies.forEach((call) => call[2](c)),
      (err) => identifies.forEach((call) => call[3](err))
    );
  } else if (st.token) {
    session.resume();
  }

  app.emit("ready");
  const origOn = Parley.on;
  Object.assign(Parley, {
    open: () => shell.openPanel(),
    close: () => shell.closePanel(),
    identify: (opts) => session.identify(opts),
    setTexts(values) {
      i18n.setTexts(values);
      app.chat.render();
      app.tickets.render();
      shell.render();
    },
    on(event, handler) {
      const off = origOn(event, handler);
      if (event === "ready") {
        queueMicrotask(() => {
          try {
            handler();
          } catch (err) {
            console.error('Parley: a "ready" handler failed:', err);
          }
        });
      }
      return off;
    }
  });
  for (const [name, args, resolve, reject] of queue.splice(0)) {
    if (name === "identify") Parley.identify(...args).then(resolve, reject);
    else Parley[name](...args);
  }
  shell.onHash();
}
