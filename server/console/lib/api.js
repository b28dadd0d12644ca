// The REST client: JSON in and out, the agent's token in the Authorization header (never in a
// URL), Parley's error shape as ApiError. A 401 signs the console out (the token is gone).

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status; // 0: the network failed (offline, server down)
    this.code = error.code || "error";
    this.fields = error.fields || null;
    this.error = error; // the whole error object: unseenResponses, reference, ...
  }
}

/** A readable line for any error: the server's message, or what went wrong on the way. */
export function describe(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return "Cannot reach Parley. Check your connection and try again.";
    const fields = err.fields ? Object.entries(err.fields) : [];
    const detail = fields.map(([k, v]) => `${k}: ${v}`).join("; ");
    return detail ? `${err.message} (${detail})` : err.message;
  }
  return String((err && err.message) || err);
}

export function createApi({ getToken, onUnauthorized }) {
  return async function request(method, path, { body, query } = {}) {
    let url = path;
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v == null || v === "" || (Array.isArray(v) && !v.length)) continue;
        params.set(k, Array.isArray(v) ? v.join(",") : String(v));
      }
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch (err) {
      throw new ApiError(0, { code: "network", message: String(err && err.message) });
    }
    let data = null;
    try {
      data = res.status === 204 ? null : await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const error = (data && data.error) || { code: `http_${res.status}`, message: `HTTP ${res.status} ${res.statusText}` };
      if (res.status === 401 && token && path !== "/api/auth/login") onUnauthorized();
      throw new ApiError(res.status, error);
    }
    return data;
  };
}
