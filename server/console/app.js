// The Parley agent console: sign-in, the shell, the router and the live connection. Screens are
// in views/, shared machinery in lib/. Plain ES modules, no build step; every node is made with
// createElement and text goes in as text.
import { CONVERSATION_TRANSFERRED, TICKET_ASSIGNED } from "/widget/shared/events.js";
import { ApiError, createApi, describe } from "./lib/api.js";
import { h } from "./lib/dom.js";
import { createFiles } from "./lib/files.js";
import { installKeys } from "./lib/keys.js";
import { createLive } from "./lib/live.js";
import { beep, setTitle } from "./lib/notify.js";
import { createRealtime } from "./lib/realtime.js";
import { store } from "./lib/store.js";
import { mountConversation } from "./views/conversation.js";
import { mountDashboard } from "./views/dashboard.js";
import { mountLogin } from "./views/login.js";
import { mountNewTicket } from "./views/new-ticket.js";
import { mountQueue } from "./views/queue.js";
import { createShell } from "./views/shell.js";
import { mountTicketDetail } from "./views/ticket-detail.js";
import { mountTicketList } from "./views/ticket-list.js";

const root = document.getElementById("app");

// --- messages: one error element (API errors, sign-in errors), one notice element ----------
const errorEl = h("div", { "data-console": "error", role: "alert", class: "toast error", hidden: true, title: "Click to dismiss" });
const noticeEl = h("div", { "data-console": "notice", role: "status", class: "toast notice", hidden: true });
document.body.append(errorEl, noticeEl);
const timers = new Map();

function flash(el, text, seconds) {
  clearTimeout(timers.get(el));
  el.textContent = text || "";
  el.hidden = !text;
  if (text) timers.set(el, setTimeout(() => (el.hidden = true), seconds * 1000));
}
errorEl.addEventListener("click", () => flash(errorEl, null));
noticeEl.addEventListener("click", () => flash(noticeEl, null));

/** Show an error (an ApiError, an Error or a string) readably; null hides it. */
function toast(err) {
  if (err instanceof ApiError && err.status === 401 && !session) return flash(errorEl, describe(err), 15);
  if (err instanceof ApiError && err.status === 401) return; // the session ends and says so
  flash(errorEl, err == null ? null : typeof err === "string" ? err : describe(err), 15);
}
const notice = (text) => flash(noticeEl, text, 6);

// --- session -------------------------------------------------------------------------------
let session = null;
const api = createApi({
  getToken: () => store.token,
  onUnauthorized: () => endSession("Your session has ended. Please sign in again."),
});
const files = createFiles({ api });

// A file dropped outside a composer would make the browser open it in place of the console
// (and lose what the agent was writing): only the composers' drop zones take files.
for (const type of ["dragover", "drop"]) {
  window.addEventListener(type, (ev) => {
    if (ev.dataTransfer && [...ev.dataTransfer.types].includes("Files") && !ev.defaultPrevented) {
      ev.preventDefault();
      if (type === "dragover") ev.dataTransfer.dropEffect = "none";
    }
  });
}

async function boot() {
  if (!store.token) return showLogin();
  try {
    const r = await api("GET", "/api/me");
    if (!r.agent) throw new ApiError(401, { message: "An API key cannot sign in to the console." });
    await startSession(r.agent, r.organization);
  } catch (err) {
    if (err.status === 0 || err.status >= 500) {
      root.replaceChildren(h("main", { class: "login-screen" }, h("p", { class: "boot" }, "Cannot reach Parley; retrying…")));
      toast(err);
      setTimeout(boot, 3000);
      return;
    }
    store.token = null;
    store.save();
    showLogin(err.status === 401 ? "Your session has ended. Please sign in again." : describe(err));
  }
}

function showLogin(message) {
  const view = mountLogin({
    api,
    toast,
    message,
    onSignedIn(token, agent) {
      store.token = token;
      store.save();
      boot();
    },
  });
  root.replaceChildren(view.el);
  document.title = "Sign in · Parley console";
}

function endSession(message) {
  if (!session) return;
  const s = session;
  session = null;
  s.destroy();
  store.token = null;
  store.save();
  if (location.hash && location.hash !== "#/queue") history.replaceState(null, "", location.pathname + location.search);
  showLogin(message);
}

async function logout() {
  const token = store.token;
  try {
    await api("POST", "/api/auth/logout");
  } catch {
    // signed out here either way
  }
  if (store.token === token) endSession(null);
}

async function loadCategories() {
  const org = await api("GET", "/api/org");
  if (Array.isArray(org.categories)) return org.categories;
  // The agents' org view has no categories (yet): the widget's public config has them.
  const config = await api("GET", "/api/embed/config", { query: { siteKey: org.siteKey } });
  return config.categories || [];
}

// --- routes --------------------------------------------------------------------------------
const ROUTES = {
  queue: mountQueue,
  conversation: mountConversation,
  tickets: mountTicketList,
  ticket: mountTicketDetail,
  newTicket: mountNewTicket,
  dashboard: mountDashboard,
};

function parse(hash) {
  const raw = hash.replace(/^#/, "");
  const [path, qs] = raw.split("?");
  const query = new URLSearchParams(qs || "");
  let m;
  if (path === "/queue") return { name: "queue" };
  if ((m = /^\/conversations\/([0-9]+)$/.exec(path))) return { name: "conversation", id: Number(m[1]) };
  if (path === "/tickets") return { name: "tickets", query };
  if (path === "/tickets/new") return { name: "newTicket", query };
  if ((m = /^\/tickets\/([^/]+)$/.exec(path))) return { name: "ticket", ref: decodeURIComponent(m[1]) };
  if (path === "/dashboard") return { name: "dashboard" };
  return null;
}

async function startSession(me, org) {
  const shell = createShell({
    me,
    org,
    store,
    onAvailability(status) {
      store.status = status;
      store.save();
      shell.setAvailability(status);
      rt.setStatus(status);
    },
    onMute(muted) {
      store.muted = muted;
      store.save();
      shell.setMuted(muted);
      updateTitle();
    },
    onLogout: logout,
  });
  root.replaceChildren(shell.el);

  const rt = createRealtime({
    token: () => store.token,
    onState: (online) => shell.setConnection(online),
    onUnauthenticated: () => endSession("Your session has ended. Please sign in again."),
    onError: (frame) => {
      if (frame.code !== "not_subscribed") toast(frame.message || frame.code);
    },
    onReady: () => {},
  });
  const live = createLive({
    api,
    rt,
    me,
    onError: toast,
    onNewWaiting(c) {
      if (store.muted) return;
      beep();
      notice(`New chat waiting: ${c.contact.name || c.contact.email || `visitor ${c.contact.id}`}`);
    },
  });

  let current = null;
  let currentRoute = null;
  let pageTitle = "";
  function updateTitle() {
    setTitle(live.waiting().length, store.muted, pageTitle);
  }
  function navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }
  const ctx = { api, files, rt, live, me, org, toast, notice, navigate, categories: [], get agents() { return live.state.agents; } };

  function route() {
    const r = parse(location.hash);
    if (!r) {
      history.replaceState(null, "", "#/queue");
      return route();
    }
    if (current) current.destroy();
    const before = document.activeElement;
    current = ROUTES[r.name](ctx, r);
    currentRoute = r;
    shell.main.replaceChildren(current.el);
    shell.setRoute(r.name);
    pageTitle = current.title || "";
    updateTitle();
    if (document.activeElement === before || document.activeElement === document.body) shell.main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  ctx.setTitle = (title) => {
    pageTitle = title;
    updateTitle();
  };

  const offLive = live.on(() => {
    shell.setCounts({ waiting: live.waiting().length, mine: live.mine().length, unassigned: live.state.unassigned });
    updateTitle();
  });
  const leaveQueue = live.start();
  const leaveAgent = rt.join(`agent:${me.id}`, (msg) => {
    if (msg.type !== "event") return;
    const d = msg.data;
    if (msg.event === TICKET_ASSIGNED && d.assigneeId === me.id && d.previousAssigneeId !== me.id) {
      notice(`${d.ticket.reference} was assigned to you.`);
    } else if (msg.event === CONVERSATION_TRANSFERRED && d.toAgentId === me.id) {
      notice(`A chat with ${d.conversation.contact.name || "a visitor"} was transferred to you.`);
    }
  });
  const removeKeys = installKeys({
    navigate,
    nextConversation() {
      const list = [...live.waiting(), ...live.mine()];
      if (!list.length) return notice("No conversations waiting.");
      const at = currentRoute && currentRoute.name === "conversation" ? list.findIndex((c) => c.id === currentRoute.id) : -1;
      navigate(`#/conversations/${list[(at + 1) % list.length].id}`);
    },
  });

  session = {
    destroy() {
      if (current) current.destroy();
      window.removeEventListener("hashchange", route);
      offLive();
      leaveQueue();
      leaveAgent();
      removeKeys();
      rt.stop();
      flash(noticeEl, null);
    },
  };
  rt.start();
  if (store.status !== "online") rt.setStatus(store.status);

  // Agents and categories fill the selects of every screen: have them before the first one.
  const [, categories] = await Promise.allSettled([live.loadAgents(), loadCategories()]);
  if (categories.status === "fulfilled") ctx.categories = categories.value;
  else toast(categories.reason);
  if (!session) return;
  window.addEventListener("hashchange", route);
  route();
}

boot();
