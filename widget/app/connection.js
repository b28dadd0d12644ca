// The connection to Parley as this visitor: the session (the token, made when needed, renewed,
// adopted from another tab; the contact; identify()) and the socket (contact:<id> resumed from
// the stored offset, events applied once each, a REST refetch when not resumed, "Reconnecting…").

import { ApiError } from "../shared/api.js";
import { h, show } from "../shared/dom.js";
import { CONVERSATION_ESCALATED, isConversationEvent, isTicketEvent } from "../shared/events.js";
import { Socket } from "../shared/socket.js";

export function createSession(app) {
  const { api, store, siteKey } = app;
  const st = store.state;
  let contact = null;
  let identity = null; // {userId, userHash} once identify() verified the visitor
  let renewing = null;
  let sessionStarting = null;

  function needsIdentity() {
    const config = app.config;
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
        app.render();
      }
      throw err;
    }
    store.setToken(r.token);
    store.save();
    setContact(r.contact);
    return r.contact;
  }

  // A fresh token after a 401 (the server accepts the stored one for a refresh).
  function renew() {
    if (!renewing) {
      renewing = openSession(null).finally(() => {
        renewing = null;
      });
    }
    return renewing;
  }

  function adopted() {
    if (!app.built) return; // the start checks the stored token
    starting(
      api("GET", "/api/embed/me").then((me) => {
        setContact(me.contact || me);
        app.live.activate();
      })
    ).catch((err) => console.warn("Parley:", err));
  }

  function ensure() {
    if (st.token) return Promise.resolve();
    if (sessionStarting) return sessionStarting;
    if (needsIdentity()) return Promise.reject(new ApiError(401, { message: app.t("signInRequired") }));
    return starting(openSession(null).then(app.live.activate));
  }

  // Remember a session being made, so that nothing else starts another meanwhile.
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
      app.live.forget();
      app.chat.reset();
      app.tickets.reset();
      app.form.reset();
    }
    st.contactId = c.id;
    store.save();
    if (changed) app.live.restart();
    app.form.configure();
    app.chat.render();
    app.render();
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
    app.live.activate();
    app.render();
    return { ...c };
  }

  function resume() {
    starting(
      api("GET", "/api/embed/me").then((me) => {
        if (contact === null) setContact(me.contact || me);
        app.live.activate();
      })
    ).catch((err) => console.warn("Parley:", err));
  }

  return { contact: () => contact, needsIdentity, renew, adopted, ensure, identify, resume };
}

export function createLive(app) {
  const { store } = app;
  const st = store.state;
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

  const status = app.i18n.bind(
    h("div", {
      class: "status-bar",
      "data-parley": "status",
      "data-state": "online",
      role: "status",
      hidden: true
    }),
    "reconnecting"
  );

  const socket = new Socket({
    url: app.config.websocketUrl,
    token: () => st.token,
    renew: () => app.session.renew(),
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
        app.chat.onDisconnected();
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
      app.chat.onConnected();
    } else if (f.type === "event" && f.channel === contactChannel) {
      if (fetching) queued.push(f);
      else applyEvent(f);
    } else if (f.type === "presence") {
      app.chat.onPresence(f);
    }
  }

  function applyEvent(f) {
    const seen = st.offsets[f.channel];
    if (seen && seen.epoch === f.epoch && f.offset <= seen.offset) return; // applied already
    try {
      if (isConversationEvent(f.event)) {
        app.chat.apply(f.event, f.data);
        if (f.event === CONVERSATION_ESCALATED) app.tickets.upsertItem(f.data.ticket);
      } else if (isTicketEvent(f.event)) {
        app.tickets.apply(f.event, f.data);
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
        const results = await Promise.allSettled([app.chat.refetch(), app.tickets.refetch()]);
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

  return {
    status,
    /** We have a visitor: go live, and load the state even if the socket is slow to come. */
    activate() {
      if (!st.token) return;
      socket.start();
      clearTimeout(fallbackTimer);
      fallbackTimer = setTimeout(() => loadedOnce || fetching || refetch(), 2500);
    },
    forget() {
      loadedOnce = false;
    },
    restart: () => socket.restart(),
    isLive: () => live,
    send: (frame) => socket.send(frame),
    subscribe(channel) {
      subs.add(channel);
      socket.send({ type: "subscribe", channel });
    },
    unsubscribe(channel) {
      subs.delete(channel);
      socket.send({ type: "unsubscribe", channel });
    }
  };
}
