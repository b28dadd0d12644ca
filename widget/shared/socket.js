// The WebSocket of the widget and the console (docs/realtime.md): the token in the first frame,
// a ping every 25 s, reconnection with backoff and jitter (0.5 s doubling to 30 s, ±50 %). Close
// 4401 → renew, then reconnect; 4403 → stop; 4429 → wait retryAfter; else → backoff.

const PING_MS = 25000;
const PONG_TIMEOUT_MS = 10000;

export class Socket {
  /**
   * @param {{url: string, token: () => string|null, renew?: () => Promise<void>,
   *          onReady: (frame) => void, onFrame: (frame) => void,
   *          onState: (online: boolean) => void, onFatal: (code: number) => void}} opts
   * Without `renew` (the agent console, whose token cannot be refreshed) 4401 is fatal too.
   */
  constructor(opts) {
    this.o = opts;
    this.ws = null;
    this.ready = false;
    this.started = false;
    this.stopped = false;
    this.attempt = 0;
    this.retryAfter = 0;
    this.timer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    window.addEventListener("online", () => {
      if (this.started && !this.ready && !this.stopped) {
        this.attempt = 0;
        this.connect();
      }
    });
  }

  start() {
    if (this.started || this.stopped) return;
    this.started = true;
    this.connect();
  }

  /** Drop the current socket (if any) and connect again now: e.g. with a new contact's token. */
  restart() {
    if (this.stopped || !this.started) return;
    this.detach(1000);
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.detach(1000);
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
    this.detach(1000);
    const token = this.o.token();
    if (!token) {
      this.started = false; // no session (any more): start() again once there is one
      return;
    }
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
      const ws = this.ws;
      this.detach(4000);
      if (ws) this.closed(4000);
    }, PONG_TIMEOUT_MS);
  }

  /** Forget the current socket without reacting to its close event. */
  detach(code) {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try {
        ws.close(code === 1000 ? 1000 : 4000);
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
    if (code === 4403 || (code === 4401 && !this.o.renew)) {
      this.stopped = true;
      this.o.onFatal(code);
      return;
    }
    if (code === 4401) {
      // The token was refused: a new session (the server accepts the old token for a refresh).
      this.o.renew().then(() => this.schedule(), () => this.schedule());
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
