// The ticket tracking page (/track#prl_tl_…), opened from the link in a customer email. The
// token in the fragment never reaches a server log or a Referer: the page trades it once for
// a short session on that one ticket (POST /api/track/session), kept in memory only, then
// shows the ticket with the widget's own view (createTicketDetail, /widget/views/tickets.js),
// texts and client library, and keeps it current over /ws/widget (the ticket's `tracking:`
// channel). A link that expired or does not check out gets a page saying so and what to do.

import { createI18n } from "/widget/lib/i18n.js";
import { ApiError, createApi } from "/widget/shared/api.js";
import { h, show } from "/widget/shared/dom.js";
import { TICKET_DELETED } from "/widget/shared/events.js";
import { Socket } from "/widget/shared/socket.js";
import { createTicketDetail } from "/widget/views/tickets.js";

const root = document.getElementById("track");
const link = location.hash.slice(1); // base64url and dots: nothing to decode
const i18n = createI18n("");
const t = i18n.t;
let session = null; // {token, channel, organizationName, ticket}
let exchanging = null;
let detail, socket, status; // made once the texts are in (their labels are bound at once)
let offset = null; // {offset, epoch} of the channel, for a resume after a reconnect

/** The link's token for a session; null with the page saying why when it is refused. */
function exchange() {
  exchanging ||= (async () => {
    try {
      session = await api("POST", "/api/track/session", { body: { link }, auth: false });
    } catch (err) {
      session = null;
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 401 || err.status === 422) stateRefused(err.error.reason === "expired");
      else stateFailed();
    } finally {
      exchanging = null;
    }
    return session;
  })();
  return exchanging;
}

const api = createApi({
  credentials: "omit",
  token: async () => session && session.token,
  // The session ran out (two hours): trade the link again, once.
  unauthorized: async () => !!(await exchange())
});

// --- states ------------------------------------------------------------------------------------
function state(name, ...children) {
  root.dataset.track = name;
  root.replaceChildren(...children);
}

function stateRefused(expired) {
  document.title = t(expired ? "linkExpiredTitle" : "linkInvalidTitle");
  state(
    expired ? "expired" : "invalid",
    h(
      "section",
      { class: "track__card track__state", "data-track": "refused" },
      h("h1", {}, document.title),
      h("p", {}, t(expired ? "linkExpired" : "linkInvalid")),
      h("p", {}, t("newLinkHint"))
    )
  );
}

function stateFailed() {
  state(
    "error",
    h(
      "section",
      { class: "track__card track__state" },
      h("h1", {}, t("trackErrorTitle")),
      h("p", {}, t("errGeneric")),
      h("button", { type: "button", class: "btn btn--primary", onclick: start }, t("tryAgain"))
    )
  );
}

function stateGone() {
  socket.stop();
  stateRefused(false);
}

// --- the ticket --------------------------------------------------------------------------------
function build() {
  const notice = { wait() {}, show() {}, error: (err) => console.warn("Parley:", err) };
  detail = createTicketDetail(
    { t, i18n, api, notice },
    { path: () => "/api/track/ticket", files: "/api/track/attachments" }
  );
  status = i18n.bind(
    h("p", { class: "muted", "data-parley": "status", role: "status", hidden: true }),
    "reconnecting"
  );
  socket = new Socket({
    url: `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws/widget`,
    token: () => session && session.token,
    renew: async () => {
      if (!(await exchange())) socket.stop();
    },
    onReady() {
      const frame = { type: "subscribe", channel: session.channel };
      if (offset) frame.since = offset;
      socket.send(frame);
    },
    onFrame(f) {
      if (!session || f.channel !== session.channel) return;
      if (f.type === "subscribed") {
        // First subscription, or events missed: what the page shows may be stale.
        if (!offset || !f.recovered) detail.reload();
        offset = { offset: f.offset, epoch: f.epoch };
      } else if (f.type === "event") {
        offset = { offset: f.offset, epoch: f.epoch };
        if (f.event === TICKET_DELETED) stateGone();
        else if (f.data && f.data.ticket) detail.apply(f.event, f.data);
      }
    },
    onState: (online) => show(status, !online),
    onFatal: () => show(status, false)
  });
}

async function start() {
  state("loading", h("p", { class: "muted" }, t("trackLoading")));
  if (!link) return stateRefused(false);
  if (!(await exchange())) return;
  document.title = `${session.ticket.reference} · ${t("trackTitle")}`;
  state(
    "ticket",
    h(
      "header",
      { class: "track__head" },
      h("p", { class: "track__org", "data-track": "organization" }, session.organizationName),
      status
    ),
    h("div", { class: "track__card" }, detail.el)
  );
  detail.open(session.ticket, true);
  socket.start();
}

(async () => {
  await i18n.load().catch((err) => console.warn("Parley: no texts:", err));
  try {
    const res = await fetch(`/track/locales/${i18n.lang}.json`, { credentials: "omit" });
    if (res.ok) i18n.setTexts(await res.json());
  } catch (err) {
    console.warn("Parley: no texts:", err);
  }
  document.documentElement.lang = i18n.lang;
  build();
  await start();
})().catch((err) => {
  console.error("Parley:", err);
  stateFailed();
});
