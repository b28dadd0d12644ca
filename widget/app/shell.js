// The shell: launcher and badge, the panel (header, notice, tabs) opening and closing, what the
// Chat tab shows, the "(N)" title, the #parley-ticket= link.

import { h, s, show } from "../shared/dom.js";
import { ApiError } from "../shared/api.js";

const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z";
const icon = (d, size) =>
  s(
    "svg",
    { viewBox: "0 0 24 24", width: size, height: size, "aria-hidden": "true", focusable: "false" },
    s("path", { d, fill: "currentColor" })
  );
const TABS = [
  ["chat", "tabChat"],
  ["contact", "tabContact"],
  ["tickets", "tabTickets"]
];

// The notice line: a message that goes by itself, or "Please wait N s" counting down.
export function createNotice(t) {
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
}

export function createShell(app) {
  const { root, i18n, chat, tickets, form } = app;
  let open = false;
  let tab = "chat";
  let lastUnread = 0;
  let titlePrefix = "";

  const title = h("h2", { id: "parley-title", class: "panel__title" }, app.config.organization.name);
  const subtitle = h("p", { class: "panel__subtitle" });
  const closeButton = h(
    "button",
    { type: "button", class: "icon-btn", "data-parley": "close", onclick: () => closePanel() },
    icon(CLOSE_ICON, 20)
  );
  i18n.bind(closeButton, "close", null, "aria-label");

  // tabs
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

  // panel and launcher
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
    app.live.status,
    app.notice.el,
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
    icon(CHAT_ICON, 26),
    badge
  );
  const widget = h(
    "div",
    { class: `parley parley--${app.options.position}`, lang: i18n.lang, dir: "ltr" },
    panel,
    launcher
  );
  root.append(widget);

  /** Where the one ticket form lives now, what the Chat tab shows, the badge and the title. */
  function render() {
    const config = app.config;
    const signIn = app.session.needsIdentity();
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
      app.emit("unread", n);
    }
  }

  function setTitle(n) {
    const prefix = n > 0 ? `(${n}) ` : "";
    let current = document.title;
    if (titlePrefix && current.startsWith(titlePrefix)) current = current.slice(titlePrefix.length);
    titlePrefix = prefix;
    if (document.title !== prefix + current) document.title = prefix + current;
  }

  function openPanel(which) {
    if (which) selectTab(which, false);
    if (!open) {
      open = true;
      show(panel, true);
      launcher.setAttribute("aria-expanded", "true");
      widget.classList.add("is-open");
      if (!app.session.needsIdentity()) app.session.ensure().catch((err) => console.warn("Parley:", err));
      app.refreshConfig();
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

  function openTicket(ref) {
    openPanel("tickets");
    tickets.openRef(ref);
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
    if (ref) openTicket(ref);
  }

  return {
    launcher,
    render,
    selectTab,
    openPanel,
    closePanel,
    openTicket,
    onHash,
    showsChat: () => open && tab === "chat"
  };
}
