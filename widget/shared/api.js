// The REST client of the widget and the console: JSON, the token in the Authorization header
// (never in a URL), Parley's error shape as ApiError; what a 401 means is up to each app.

import { uuid } from "./dom.js";

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status; // 0: the network failed (offline, server down, CORS)
    this.code = error.code || "error";
    this.fields = error.fields || null;
    this.retryAfter = error.retryAfter ?? null;
    this.error = error; // the whole error object
  }
  get network() {
    return this.status === 0;
  }
}

/** request(method, path, {body, query, auth, idempotencyKey, form, progress, signal, blob});
 * `unauthorized` → true: retry once. `blob`: the answer's bytes. */
export function createApi({ base = "", credentials = "same-origin", token, unauthorized, statusLine }) {
  async function request(method, path, opts = {}) {
    const { body, query, auth = true, idempotencyKey, retried, form, blob } = opts;
    let url = base + path;
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v == null || v === "" || (Array.isArray(v) && !v.length)) continue;
        params.set(k, v); // an array as "a,b"
      }
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const bearer = auth ? await token() : null;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    let res;
    try {
      res = form
        ? await xhr(method, url, headers, form, opts)
        : await fetch(url, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            credentials,
            cache: "no-store"
          });
    } catch (err) {
      throw new ApiError(0, { code: "network", message: String(err && err.message) });
    }
    if (blob && res.ok) return res.blob();
    let data = null;
    try {
      data = res.status === 204 ? null : await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const error = (data && data.error) || {
        code: `http_${res.status}`,
        message: statusLine ? statusLine(res) : res.statusText
      };
      if (res.status === 429 && error.retryAfter == null) {
        error.retryAfter = Number(res.headers.get("Retry-After")) || 5;
      }
      if (res.status === 401 && auth && !retried && unauthorized && (await unauthorized({ path, token: bearer }))) {
        return request(method, path, { ...opts, retried: true });
      }
      throw new ApiError(res.status, error);
    }
    return data;
  }
  return request;
}

// A `form` (FormData) goes by XMLHttpRequest, the one way to see an upload's progress
// (`progress(0..1)`); no cookies; answered as a fetch Response (429: `retryAfter` is in the body).
function xhr(method, url, headers, form, { progress, signal }) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    for (const k in headers) x.setRequestHeader(k, headers[k]);
    x.upload.onprogress = (e) => progress?.(e.loaded / e.total);
    x.onload = () => resolve(new Response(x.response || null, { status: x.status, statusText: x.statusText }));
    x.onerror = x.onabort = reject;
    signal?.addEventListener("abort", () => x.abort());
    x.send(form);
  });
}

// One Idempotency-Key per thing sent: the same body sent again reuses it, so a create that
// reached the server is not made twice. `done()` after a success.
export function retryKey() {
  let last = null;
  return {
    for(body) {
      const text = JSON.stringify(body);
      if (!last || last.text !== text) last = { text, key: `w-${uuid()}` };
      return last.key;
    },
    done() {
      last = null;
    }
  };
}
