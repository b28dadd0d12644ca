// The REST client: JSON in and out, the visitor token in the Authorization header (never in a
// URL), one new session and one retry on 401, and Parley's error shape as ApiError.

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status; // 0: the network failed (offline, server down, CORS)
    this.code = error.code || "error";
    this.fields = error.fields || null;
    this.retryAfter = error.retryAfter ?? null;
    this.error = error;
  }
  get network() {
    return this.status === 0;
  }
}

export function createApi({ base, getToken, renewSession }) {
  async function request(
    method,
    path,
    { body, query, auth = true, retried = false, idempotencyKey = null } = {}
  ) {
    let url = base + path;
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v != null && v !== "") params.set(k, v);
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const token = auth ? getToken() : null;
    if (auth) {
      if (!token) await renewSession();
      headers.Authorization = `Bearer ${getToken()}`;
    }
    let res;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store"
      });
    } catch (err) {
      throw new ApiError(0, { code: "network", message: String(err && err.message) });
    }
    if (res.status === 401 && auth && !retried) {
      await renewSession();
      return request(method, path, { body, query, auth, retried: true, idempotencyKey });
    }
    let data = null;
    try {
      data = res.status === 204 ? null : await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const error = (data && data.error) || { code: `http_${res.status}`, message: res.statusText };
      if (res.status === 429 && error.retryAfter == null) {
        error.retryAfter = Number(res.headers.get("Retry-After")) || 5;
      }
      throw new ApiError(res.status, error);
    }
    return data;
  }
  return request;
}

// One Idempotency-Key per thing the visitor sends: sending the same body again (after a
// network failure, say) reuses the key, so a create that did reach the server is answered
// with its first result instead of being made twice. `done()` after a success.
export function retryKey() {
  let last = null;
  return {
    for(body) {
      const text = JSON.stringify(body);
      if (!last || last.text !== text) last = { text, key: newKey() };
      return last.key;
    },
    done() {
      last = null;
    }
  };
}

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure page
  return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
