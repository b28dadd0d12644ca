// Channels over the one socket. Views join a channel with a listener and leave it when they
// go; the first join subscribes, the last leave unsubscribes. Per channel the last offset and
// epoch are kept, and every (re)subscription after a reconnect resumes with `since`.
//
// Listeners get messages:
//   {type: "sync", refetch}   subscribed; refetch=true when what is on screen may be stale
//                             (a fresh subscription, or `recovered: false`): load it over REST
//   {type: "event", event, data, offset}
//   {type: "presence", people}  people: Map person → {person, name, status, composing}
// The socket is the widget's too (/widget/shared/, same origin, so the CSP allows it): one
// implementation of the auth frame, pings, backoff with jitter and close codes.
import { Socket } from "/widget/shared/socket.js";

export function createRealtime({ token, onState, onUnauthenticated, onError, onReady }) {
  const channels = new Map();
  let status = "online";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";

  const socket = new Socket({
    url: `${scheme}//${location.host}/ws`,
    token,
    onState,
    // 4401: the access token is gone (signed out elsewhere, expired); 4403: this page's
    // origin may not use /ws. Neither is fixed by reconnecting.
    onFatal(code) {
      if (code === 4401) onUnauthenticated();
      else onError({ code: "origin_refused", message: "This page may not connect to Parley." });
    },
    onReady(frame) {
      // Availability first, so the queue presence we join next is already right.
      if (status !== "online") socket.send({ type: "presence", status });
      for (const [name, ch] of channels) subscribe(name, ch);
      onReady(frame);
    },
    onFrame: handle,
  });

  function subscribe(name, ch) {
    ch.subscribed = false;
    ch.sentSince = ch.epoch != null;
    const frame = { type: "subscribe", channel: name };
    if (ch.sentSince) frame.since = { offset: ch.offset, epoch: ch.epoch };
    socket.send(frame);
  }

  function emit(ch, message) {
    for (const fn of [...ch.listeners]) {
      try {
        fn(message);
      } catch (err) {
        console.error("console: a channel listener failed", err);
      }
    }
  }

  function handle(f) {
    if (f.type === "error") {
      if (f.code !== "rate_limited" && f.code !== "not_ready") onError(f);
      return;
    }
    const ch = channels.get(f.channel);
    if (!ch) return; // a channel we left; its last frames may still arrive
    if (f.type === "subscribed") {
      const refetch = !f.recovered || !ch.sentSince || f.epoch !== ch.epoch;
      ch.offset = f.offset;
      ch.epoch = f.epoch;
      ch.subscribed = true;
      ch.sentSince = true;
      emit(ch, { type: "sync", refetch });
    } else if (f.type === "event") {
      if (f.epoch === ch.epoch && f.offset <= ch.offset) return; // seen already
      ch.offset = f.offset;
      ch.epoch = f.epoch;
      emit(ch, { type: "event", event: f.event, data: f.data, offset: f.offset, ts: f.ts });
    } else if (f.type === "presence") {
      if (f.snapshot) ch.people = new Map(f.snapshot.map((p) => [p.person, p]));
      for (const p of f.joined || []) ch.people.set(p.person, p);
      for (const p of f.updated || []) ch.people.set(p.person, p);
      for (const key of f.left || []) ch.people.delete(key);
      emit(ch, { type: "presence", people: ch.people });
    }
  }

  return {
    start: () => socket.start(),
    stop() {
      socket.stop();
      channels.clear();
    },
    get ready() {
      return socket.ready;
    },
    send: (frame) => socket.send(frame),

    /** Listen to `name` (subscribing if needed); returns the function that leaves it. */
    join(name, listener) {
      let ch = channels.get(name);
      if (!ch) {
        ch = { listeners: new Set(), offset: 0, epoch: null, subscribed: false, sentSince: false, people: new Map() };
        channels.set(name, ch);
        if (socket.ready) subscribe(name, ch);
      } else if (ch.subscribed) {
        queueMicrotask(() => listener({ type: "presence", people: ch.people }));
      }
      ch.listeners.add(listener);
      return () => {
        ch.listeners.delete(listener);
        if (ch.listeners.size || channels.get(name) !== ch) return;
        channels.delete(name);
        socket.send({ type: "unsubscribe", channel: name });
      };
    },

    /** The last position processed on a channel ({offset, epoch}), or null. */
    position(name) {
      const ch = channels.get(name);
      return ch && ch.epoch != null ? { offset: ch.offset, epoch: ch.epoch } : null;
    },

    people(name) {
      const ch = channels.get(name);
      return ch ? ch.people : new Map();
    },

    setStatus(next) {
      status = next;
      socket.send({ type: "presence", status });
    },
  };
}

/**
 * Typing on a channel: call input() on every keystroke; composing goes true at once and back
 * to false after `idleMs` without input, or at stop() (sent, left the view). Only changes are
 * sent, so the frame budget is never at risk.
 */
export function createTyping(rt, channel, idleMs = 3000) {
  let composing = false;
  let timer = null;
  function set(value) {
    if (composing === value) return;
    composing = value;
    rt.send({ type: "typing", channel, composing: value });
  }
  return {
    input(hasText = true) {
      clearTimeout(timer);
      if (!hasText) {
        set(false);
        return;
      }
      set(true);
      timer = setTimeout(() => set(false), idleMs);
    },
    stop() {
      clearTimeout(timer);
      set(false);
    },
  };
}
