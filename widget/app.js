// The Parley widget app. The loader (loader.js, served as /widget.js) has made the host element
// and its open shadow root, started loading widget.css into it, and queued any Parley.* calls;
// it hands all that over in window.Parley._boot. This module builds the launcher and the panel
// inside the shadow root, talks to Parley's REST API and its WebSocket, and takes over
// window.Parley.

import { ApiError, createApi } from "./lib/api.js";
import { textOn } from "./lib/colour.js";
import { h, show, svg } from "./lib/dom.js";
import { createI18n } from "./lib/i18n.js";
import { Socket } from "./lib/socket.js";
import { createStore } from "./lib/store.js";
import { createChat } from "./views/chat.js";
import { createTicketForm } from "./views/ticket-form.js";
import { createTickets } from "./views/tickets.js";

const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z";
const CONFIG_MAX_AGE_MS = 60000;

const Parley = window.Parley;
const boot = Parley && Parley._boot;
if (boot) {
  delete Parley._boot;
  main(boot).catch((err) => console.error("Parley:", err));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main({ host, root, base, css, queue, listeners, options }) {
  const siteKey = options.siteKey;
  const i18n = createI18n(base, options.locale);
  const t = i18n.t;
  const store = createStore(siteKey, () => adopted());
  const st = store.state;
  let contact = null;
  let identity = null; // {userId, userHash} once identify() verified the visitor
  let renewing = null;
  let sessionStarting = null;
  let built = false;
  let config;
  let configAt = 0;

  const api = createApi({ base, getToken: () => st.token, renewSession: () => renew() });

  function emit(name, payload) {
    for (const fn of [...(listeners[name] || [])]) {
      try {
        fn(payload);
      } catch (err) {
        console.error(`Parley: a "${name}" handler failed:`, err);
      }
    }
  }

  function take(name) {
    const taken = queue.filter((call) => call[0] === name);
    for (const call of taken) queue.splice(queue.indexOf(call), 1);
    return taken;
  }

  // --- configuration: also where a page on a foreign origin is refused ------------------------
  async function fetchConfig() {
    const c = await api("GET", "/api/embed/config", { query: { siteKey }, auth: false });
    configAt = Date.now();
    return c;
  }

  const locale = i18n.load().catch((err) => console.warn("Parley: no texts:", err));
  for (let attempt = 0; ; attempt++) {
    try {
      config = await fetchConfig();
      break;
    } catch (err) {
      if (err instanceof ApiError && (err.network || err.status >= 500) && attempt < 6) {
        await sleep(Math.min(60000, 2000 * 2 ** attempt));
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

  // --- session ------------------------------------------------------------------------------
  function needsIdentity() {
    return !!(config.widget && config.widget.verificationRequired) && !st.token && !identity;
  }

  async function openSession(extra) {
    const body = { siteKey, ...(extra || identity || {}) };
    if (st.token) body.token = st.token;
    let r;
    try {
      r = await api("POST", "/api/embed/session", { body, auth: false });
    } catch (err) {
      if (err.status === 401 && !extra) {
        // The token cannot be refreshed (verification is required, or the hash changed).
        store.setToken(null);
        store.save();
        render();
      }
      throw err;
    }
    store.setToken(r.token);
    store.save();
    setContact(r.contact);
    return r.contact;
  }

  /** A fresh token after a 401 (the server accepts the stored one for a refresh). */
  function renew() {
    if (!renewing) {
      renewing = openSession(null).finally(() => {
        renewing = null;
      });
    }
    return renewing;
  }

  /** Another tab stored a newer token (e.g. after identify): its contact, then live. */
  function adopted() {
    if (!built) return; // the start below checks the stored token
    starting(
      api("GET", "/api/embed/me").then((me) => {
        setContact(me.contact || me);
        activate();
      })
    ).catch((err) => console.warn("Parley:", err));
  }

  /** A session for this visitor, made when first needed (not on every page view). */
  function ensureSession() {
    if (st.token) return Promise.resolve();
    if (sessionStarting) return sessionStarting;
    if (needsIdentity()) return Promise.reject(new ApiError(401, { message: t("signInRequired") }));
    return starting(openSession(null).then(activate));
  }

  /** Remember a session being made, so that nothing else starts another meanwhile. */
  function starting(promise) {
    const p = promise.finally(() => {
      if (sessionStarting === p) sessionStarting = null;
    });
    sessionStarting = p;
    return p;
  }

  function setContact(c) {
    const changed = st.contactId != null && st.contactId !== c.id;
    contact = c;
    if (changed) {
      store.resetContact();
      loadedOnce = false;
      chat.reset();
      tickets.reset();
      form.reset();
    }
    st.contactId = c.id;
    store.save();
    if (changed) socket.restart();
    form.configure();
    chat.render();
    render();
  }

  function cleanIdentity(opts) {
    const o = opts || {};
    const out = {};
    for (const key of ["userId", "userHash", "name", "email"]) {
      if (o[key] != null && String(o[key]).trim() !== "") out[key] = String(o[key]).trim();
    }
    if (!out.userId !== !out.userHash) throw new TypeError("Parley.identify needs both userId and userHash");
    return out;
  }

  async function identify(opts) {
    const params = cleanIdentity(opts);
    const c = await starting(openSession(params));
    if (params.userId) identity = { userId: params.userId, userHash: params.userHash };
    activate();
    render();
    return { ...c };
  }

  // --- live: socket, subscriptions, events, refetch ------------------------------------------
  const subs = new Set(); // conversation channels (the contact channel is added on `ready`)
  let contactChannel = null;
  let sentSince = false;
  let live = false; // socket ready and the contact channel subscribed
  let fetching = null;
  let fetchAgain = false;
  let fetchFailures = 0;
  let queued = [];
  let loadedOnce = false;
  let fallbackTimer = null;

  const socket = new Socket({
    url: config.websocketUrl,
    token: () => st.token,
    renew,
    onReady(frame) {
      contactChannel = `contact:${frame.id}`;
      const since = st.offsets[contactChannel];
      sentSince = !!(since && since.epoch);
      const sub = { type: "subscribe", channel: contactChannel };
      if (sentSince) sub.since = { offset: since.offset, epoch: since.epoch };
      socket.send(sub);
      for (const channel of subs) socket.send({ type: "subscribe", channel });
    },
    onFrame,
    onState(online) {
      if (!online) {
        live = false;
        chat.onDisconnected();
      }
      status.dataset.state = online ? "online" : "reconnecting";
      show(status, !online);
    },
    onFatal() {
      console.warn("Parley: the server refused this page's origin; live updates are off.");
      show(status, false);
    }
  });

  function onFrame(f) {
    if (f.type === "subscribed" && f.channel === contactChannel) {
      if (!f.recovered) queued = []; // the refetch below supersedes them
      st.offsets[f.channel] = { offset: f.offset, epoch: f.epoch };
      store.save();
      if (!f.recovered || !sentSince || !loadedOnce) refetch();
      live = true;
      chat.onConnected();
    } else if (f.type === "event" && f.channel === contactChannel) {
      if (fetching) queued.push(f);
      else applyEvent(f);
    } else if (f.type === "presence") {
      chat.onPresence(f);
    }
  }

  function applyEvent(f) {
    const seen = st.offsets[f.channel];
    if (seen && seen.epoch === f.epoch && f.offset <= seen.offset) return; // applied already
    try {
      if (f.event.startsWith("conversation.")) {
        chat.apply(f.event, f.data);
        if (f.event === "conversation.escalated") tickets.upsertItem(f.data.ticket);
      } else if (f.event.startsWith("ticket.")) {
        tickets.apply(f.event, f.data);
      }
    } catch (err) {
      console.error("Parley: applying", f.event, err);
    }
    st.offsets[f.channel] = { offset: f.offset, epoch: f.epoch };
    store.save();
  }

  /** The whole state over REST; events arriving meanwhile wait and are applied after it. */
  function refetch() {
    if (!st.token) return Promise.resolve();
    if (fetching) {
      fetchAgain = true;
      return fetching;
    }
    fetching = (async () => {
      let ok = true;
      do {
        fetchAgain = false;
        const results = await Promise.allSettled([chat.refetch(), tickets.refetch()]);
        ok = true;
        for (const r of results) {
          if (r.status === "rejected") {
            ok = false;
            console.warn("Parley: loading failed:", r.reason);
          }
        }
      } while (fetchAgain);
      fetching = null;
      const pending = queued;
      queued = [];
      pending.forEach(applyEvent);
      if (ok) {
        loadedOnce = true;
        fetchFailures = 0;
      } else {
        // Not loaded, or a resume the server could not serve: the state may be stale.
        setTimeout(refetch, Math.min(60000, 5000 * 2 ** fetchFailures++));
      }
    })();
    return fetching;
  }

  /** We have a visitor: go live, and load the state even if the socket is slow to come. */
  function activate() {
    if (!st.token) return;
    socket.start();
    clearTimeout(fallbackTimer);
    fallbackTimer = setTimeout(() => loadedOnce || fetching || refetch(), 2500);
  }

  // --- the shell: launcher, panel, tabs, notices ---------------------------------------------
  const notice = (() => {
    const el = h("div", { class: "notice", "data-parley": "notice", role: "status", hidden: true });
    let timer = null;
    const hide = () => {
      clearInterval(timer);
      clearTimeout(timer);
      show(el, false);
    };
    return {
      el,
      show(text, ms = 8000) {
        hide();
        el.textContent = text;
        show(el, true);
        if (ms) timer = setTimeout(hide, ms);
      },
      /** "Please wait N s", counting down. */
      wait(seconds) {
        hide();
        let left = Math.max(1, Math.ceil(seconds));
        const tick = () => {
          if (left <= 0) return hide();
          el.textContent =
            left > 120 ? t("pleaseWaitMinutes", { n: Math.ceil(left / 60) }) : t("pleaseWait", { n: left });
          left -= 1;
        };
        tick();
        show(el, true);
        timer = setInterval(tick, 1000);
      },
      error(err) {
        if (err instanceof ApiError && err.status === 429) this.wait(err.retryAfter || 5);
        else this.show(err instanceof ApiError && err.network ? t("errNetwork") : t("errGeneric"));
      }
    };
  })();

  let open = false;
  let tab = "chat";
  const ctxBase = {
    t,
    i18n,
    api,
    store,
    siteKey,
    notice,
    emit,
    ensureSession,
    config: () => config,
    contact: () => contact,
    hasSession: () => !!st.token,
    canStartSession: () => !needsIdentity(),
    openTicket(ref) {
      openPanel("tickets");
      tickets.openRef(ref);
    }
  };
  const chat = createChat({
    ...ctxBase,
    live: () => live,
    send: (frame) => socket.send(frame),
    subscribe(channel) {
      subs.add(channel);
      socket.send({ type: "subscribe", channel });
    },
    unsubscribe(channel) {
      subs.delete(channel);
      socket.send({ type: "unsubscribe", channel });
    },
    visible: () => open && tab === "chat" && document.visibilityState === "visible",
    changed: () => render()
  });
  const tickets = createTickets(ctxBase);
  const form = createTicketForm({
    ...ctxBase,
    created(ticket) {
      tickets.upsertItem(ticket);
      emit("ticketCreated", ticket);
    }
  });

  const title = h("h2", { id: "parley-title", class: "panel__title" }, config.organization.name);
  const subtitle = h("p", { class: "panel__subtitle" });
  const closeButton = h(
    "button",
    { type: "button", class: "icon-btn", "data-parley": "close", onclick: () => closePanel() },
    svg(CLOSE_ICON, 20)
  );
  i18n.bind(closeButton, "close", null, "aria-label");
  const status = i18n.bind(
    h("div", {
      class: "status-bar",
      "data-parley": "status",
      "data-state": "online",
      role: "status",
      hidden: true
    }),
    "reconnecting"
  );

  const TABS = [
    ["chat", "tabChat"],
    ["contact", "tabContact"],
    ["tickets", "tabTickets"]
  ];
  const tabButtons = {};
  const tabPanels = {};
  for (const [name, key] of TABS) {
    tabButtons[name] = i18n.bind(
      h("button", {
        type: "button",
        role: "tab",
        class: "tab",
        id: `parley-tab-${name}`,
        "aria-controls": `parley-tabpanel-${name}`,
        "data-parley": `tab-${name}`,
        onclick: () => selectTab(name, true)
      }),
      key
    );
    tabPanels[name] = h("div", {
      role: "tabpanel",
      class: "tabpanel",
      id: `parley-tabpanel-${name}`,
      "aria-labelledby": `parley-tab-${name}`
    });
  }
  const tablist = h("div", { role: "tablist", class: "tabs", onkeydown: onTabKey }, Object.values(tabButtons));
  const offlineNote = i18n.bind(h("p", { class: "banner", hidden: true }), "nobodyAvailable");
  const signInNotes = [h("p", { class: "banner" }), h("p", { class: "banner" })].map((p) =>
    i18n.bind(p, "signInRequired")
  );
  tabPanels.chat.append(signInNotes[0], chat.el, offlineNote);
  tabPanels.contact.append(signInNotes[1]);
  tabPanels.tickets.append(tickets.el);

  const panel = h(
    "div",
    {
      class: "panel",
      id: "parley-panel",
      role: "dialog",
      "aria-labelledby": title.id,
      "data-parley": "panel",
      hidden: true,
      onkeydown: (ev) => {
        if (ev.key === "Escape") {
          ev.stopPropagation();
          closePanel();
        }
      }
    },
    h("div", { class: "panel__header" }, h("div", {}, title, subtitle), closeButton),
    status,
    notice.el,
    tablist,
    h("div", { class: "panel__body" }, Object.values(tabPanels))
  );
  const badge = h("span", { class: "badge", "data-parley": "badge", "aria-hidden": "true", hidden: true });
  const launcher = h(
    "button",
    {
      type: "button",
      class: "launcher",
      "data-parley": "launcher",
      "aria-controls": panel.id,
      "aria-expanded": "false",
      hidden: true,
      onclick: () => (open ? closePanel() : openPanel()),
      onkeydown: (ev) => ev.key === "Escape" && open && closePanel()
    },
    svg(CHAT_ICON, 26),
    badge
  );
  const widget = h(
    "div",
    { class: `parley parley--${options.position}`, lang: i18n.lang, dir: "ltr" },
    panel,
    launcher
  );
  root.append(widget);

  function onTabKey(ev) {
    const names = TABS.map(([n]) => n);
    let i = names.indexOf(tab);
    if (ev.key === "ArrowRight") i = (i + 1) % names.length;
    else if (ev.key === "ArrowLeft") i = (i + names.length - 1) % names.length;
    else if (ev.key === "Home") i = 0;
    else if (ev.key === "End") i = names.length - 1;
    else return;
    ev.preventDefault();
    selectTab(names[i], true);
  }

  function selectTab(name, focusTab) {
    tab = name;
    for (const [n] of TABS) {
      const on = n === name;
      tabButtons[n].setAttribute("aria-selected", String(on));
      tabButtons[n].tabIndex = on ? 0 : -1;
      show(tabPanels[n], on);
    }
    render();
    if (focusTab) tabButtons[name].focus();
    if (name === "chat") chat.maybeMarkRead();
  }

  /** Where the one ticket form lives now, what the Chat tab shows, the badge and the title. */
  let lastUnread = 0;
  let titlePrefix = "";
  function render() {
    if (!built) return; // the views render once while they are being made
    const signIn = needsIdentity();
    const formInChat = !signIn && !chat.inChat() && !config.availableNow;
    show(signInNotes[0], signIn);
    show(signInNotes[1], signIn);
    show(chat.el, !signIn && !formInChat);
    show(offlineNote, formInChat);
    const home = tab === "chat" && formInChat ? tabPanels.chat : tabPanels.contact;
    if (form.el.parentNode !== home) home.append(form.el);
    show(form.el, !signIn);
    i18n.bind(subtitle, config.availableNow ? "availableNow" : "awayNow");

    const n = chat.unread();
    const visible = open && tab === "chat";
    show(badge, n > 0 && !visible);
    const seen = visible && document.visibilityState === "visible";
    badge.textContent = n > 99 ? "99+" : String(n);
    i18n.bind(launcher, open ? "closeChat" : n > 0 ? "openChatUnread" : "openChat", { n }, "aria-label");
    setTitle(n > 0 && !seen ? n : 0);
    if (n !== lastUnread) {
      lastUnread = n;
      emit("unread", n);
    }
  }

  function setTitle(n) {
    const prefix = n > 0 ? `(${n}) ` : "";
    let current = document.title;
    if (titlePrefix && current.startsWith(titlePrefix)) current = current.slice(titlePrefix.length);
    titlePrefix = prefix;
    if (document.title !== prefix + current) document.title = prefix + current;
  }

  /** The organisation's colour, and a readable text colour on it. They are fallbacks: a page
   * that sets --parley-primary (or --parley-on-primary) anywhere above the widget wins. */
  function applyColours() {
    const primary = config.widget && config.widget.primaryColor;
    if (primary) host.style.setProperty("--parley-org-primary", primary);
    const rgb = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(launcher).backgroundColor);
    if (rgb) host.style.setProperty("--parley-org-on-primary", textOn(+rgb[1], +rgb[2], +rgb[3]));
  }

  async function refreshConfig() {
    if (Date.now() - configAt < CONFIG_MAX_AGE_MS) return;
    try {
      config = await fetchConfig();
      applyColours();
      form.configure();
      chat.render();
      render();
    } catch {
      // keep the one we have
    }
  }

  function openPanel(which) {
    if (which) selectTab(which, false);
    if (!open) {
      open = true;
      show(panel, true);
      launcher.setAttribute("aria-expanded", "true");
      widget.classList.add("is-open");
      if (!needsIdentity()) ensureSession().catch((err) => console.warn("Parley:", err));
      refreshConfig();
    }
    render();
    if (tab === "chat") chat.maybeMarkRead();
    const target = tab === "chat" && !chat.el.hidden ? chat : tab === "tickets" ? tickets : form;
    target.focus();
    if (!panel.contains(root.activeElement)) tabButtons[tab].focus();
  }

  function closePanel() {
    if (!open) return;
    const hadFocus = panel.contains(root.activeElement);
    open = false;
    show(panel, false);
    launcher.setAttribute("aria-expanded", "false");
    widget.classList.remove("is-open");
    render();
    if (hadFocus) launcher.focus();
  }

  function onHash() {
    const m = /(?:^#|&)parley-ticket=([^&]+)/.exec(location.hash);
    if (!m) return;
    let ref;
    try {
      ref = decodeURIComponent(m[1]).trim();
    } catch {
      return;
    }
    if (ref) ctxBase.openTicket(ref);
  }

  // --- start ----------------------------------------------------------------------------------
  built = true;
  selectTab("chat", false);
  try {
    await css;
  } catch {
    console.warn(`Parley: could not load ${base}/widget/widget.css; the widget does not start.`);
    host.remove();
    return;
  }
  applyColours();
  show(launcher, true);
  render();
  document.addEventListener("visibilitychange", () => {
    chat.maybeMarkRead();
    render();
  });
  window.addEventListener("hashchange", onHash);

  // A queued identify() makes the first session (so a signed-in user never starts anonymous);
  // else a returning visitor's token is checked (a 401 refreshes it) and the widget goes live.
  // A first-time visitor gets a session only when they open the panel.
  const identifies = take("identify");
  const last = identifies[identifies.length - 1];
  if (last) {
    identify(last[1][0]).then(
      (c) => identifies.forEach((call) => call[2](c)),
      (err) => identifies.forEach((call) => call[3](err))
    );
  } else if (st.token) {
    starting(
      api("GET", "/api/embed/me").then((me) => {
        if (contact === null) setContact(me.contact || me);
        activate();
      })
    ).catch((err) => console.warn("Parley:", err));
  }

  emit("ready");
  const origOn = Parley.on;
  Object.assign(Parley, {
    open: () => openPanel(),
    close: () => closePanel(),
    identify: (opts) => identify(opts),
    setTexts(values) {
      i18n.setTexts(values);
      chat.render();
      tickets.render();
      render();
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
  onHash();
}
