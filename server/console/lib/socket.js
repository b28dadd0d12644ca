// One WebSocket to /ws (docs/realtime.md): the token in the first frame, a ping every 25 s,
// reconnection with backoff 0.5 s doubling to 30 s, ±50 % jitter. Close 4401 means the token
// is no longer valid (sign in again); 4429 waits `retryAfter`; anything else reconnects.

const PING_MS = 25000;
const PONG_TIMEOUT_MS = 10000;

export class Socket {
  /** opts: {url, token(), onReady(frame), onFrame(frame), onState(online), onUnauthenticated()} */
  constructor(opts) {
    this.o = opts;
    this.ws = null;
    this.ready = false;
    this.stopped = true;
    this.attempt = 0;
    this.retryAfter = 0;
    this.timer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    window.addEventListener("online", () => {
      if (!this.stopped && !this.ready) {
        this.attempt = 0;
        this.connect();
      }
    });
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.detach();
  }

  send(frame) {
    if (!this.ready || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  connect() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.detach();
    const token = this.o.token();
    if (!token) return;
    let ws;
    try {
      ws = new WebSocket(this.o.url);
    } catch {
      this.closed(1006);
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token }));
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.frame(frame);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.closed(ev.code);
    };
  }

  frame(f) {
    clearTimeout(this.pongTimer);
    if (f.type === "ready") {
      this.ready = true;
      this.attempt = 0;
      this.retryAfter = 0;
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.ping(), PING_MS);
      this.o.onState(true);
      this.o.onReady(f);
      return;
    }
    if (f.type === "pong") return;
    if (f.type === "error" && f.code === "rate_limited" && f.retryAfter) {
      this.retryAfter = Number(f.retryAfter) || 0;
    }
    this.o.onFrame(f);
  }

  ping() {
    if (!this.send({ type: "ping" })) return;
    // A half-open connection raises nothing: no answer within 10 s means it is gone.
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      this.detach();
      this.closed(4000);
    }, PONG_TIMEOUT_MS);
  }

  /** Forget the current socket without reacting to its close event. */
  detach() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try {
        ws.close(1000);
      } catch {
        // already closing
      }
    }
  }

  closed(code) {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.ready = false;
    if (this.stopped) return;
    this.o.onState(false);
    if (code === 4401) {
      this.stopped = true;
      this.o.onUnauthenticated();
      return;
    }
    this.schedule(code === 4429 ? this.retryAfter * 1000 : 0);
  }

  schedule(atLeast = 0) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const base = Math.min(30, 0.5 * 2 ** this.attempt) * 1000;
    this.attempt = Math.min(this.attempt + 1, 10);
    const delay = Math.max(atLeast, base * (0.5 + Math.random()));
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
