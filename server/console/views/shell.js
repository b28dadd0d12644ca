// The frame around every screen: navigation with live counters, availability, the connection
// indicator, the mute switch, who is signed in, sign out.
import { h } from "../lib/dom.js";

export function createShell({ me, org, store, onAvailability, onMute, onLogout }) {
  const count = (name, title) => h("span", { class: "count", "data-console": name, title, "aria-label": title }, "0");
  const waiting = count("count-waiting", "Waiting chats");
  const mine = count("count-mine", "My active chats");
  const unassigned = count("count-unassigned", "Unassigned open tickets");
  const link = (name, href, text, ...extra) =>
    h("a", { "data-console": name, href, class: "nav-link" }, h("span", {}, text), ...extra);
  const nav = h(
    "nav",
    { class: "nav", "aria-label": "Main" },
    link("nav-queue", "#/queue", "Queue", waiting, mine),
    link("nav-tickets", "#/tickets", "Tickets", unassigned),
    link("nav-new-ticket", "#/tickets/new", "New ticket"),
    link("nav-dashboard", "#/dashboard", "Dashboard"),
  );
  const availability = h("button", { type: "button", "data-console": "availability", class: "availability" });
  availability.addEventListener("click", () => onAvailability(availability.dataset.status === "online" ? "away" : "online"));
  const connection = h("span", { "data-console": "connection", "data-state": "reconnecting", role: "status", class: "connection" }, "Connecting…");
  const mute = h("button", { type: "button", "data-console": "mute", class: "icon-button" });
  mute.addEventListener("click", () => onMute(mute.getAttribute("aria-pressed") !== "true"));
  const logout = h("button", { type: "button", "data-console": "logout", class: "link-button" }, "Sign out");
  logout.addEventListener("click", onLogout);
  const header = h(
    "header",
    { class: "topbar" },
    h("a", { class: "brand", href: "#/queue", title: org ? org.name : "Parley" }, "Parley"),
    nav,
    h(
      "div",
      { class: "tools" },
      connection,
      availability,
      mute,
      h("span", { class: "me", "data-console": "me", title: me.email }, me.name),
      logout,
    ),
  );
  const main = h("main", { class: "view", id: "view", tabindex: "-1" });
  const footer = h("footer", { class: "hint muted" }, "Press ? for keyboard shortcuts.");
  const el = h("div", { class: "shell" }, header, main, footer);

  const shell = {
    el,
    main,
    setCounts({ waiting: w, mine: m, unassigned: u }) {
      if (w != null) waiting.textContent = String(w);
      if (m != null) mine.textContent = String(m);
      if (u != null) unassigned.textContent = String(u);
      waiting.classList.toggle("hot", w > 0);
    },
    setAvailability(status) {
      availability.dataset.status = status;
      availability.textContent = status === "online" ? "Online" : "Away";
      availability.setAttribute("aria-label", `Availability: ${status}. Switch to ${status === "online" ? "away" : "online"}.`);
      availability.title = status === "online" ? "You receive chats. Click to go away." : "You are away. Click to go online.";
    },
    setConnection(online) {
      connection.dataset.state = online ? "online" : "reconnecting";
      connection.textContent = online ? "Live" : "Reconnecting…";
    },
    setMuted(muted) {
      mute.setAttribute("aria-pressed", muted ? "true" : "false");
      mute.textContent = muted ? "Sound off" : "Sound on";
      mute.title = muted ? "New chats make no sound or title notice. Click to unmute." : "Click to mute new-chat notices.";
    },
    setRoute(name) {
      const current = { queue: "nav-queue", conversation: "nav-queue", tickets: "nav-tickets", ticket: "nav-tickets", newTicket: "nav-new-ticket", dashboard: "nav-dashboard" }[name];
      for (const a of nav.querySelectorAll("a")) {
        if (a.dataset.console === current) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      }
    },
  };
  shell.setAvailability(store.status);
  shell.setMuted(store.muted);
  return shell;
}
