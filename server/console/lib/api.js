// The console's side of the REST client. The client itself (JSON, the Bearer token, ApiError for
// the API's error shape) is the widget's too: /widget/shared/api.js. Here: the agent's token, a
// 401 signs the console out (the token is gone), and describe() words any error for a toast.
import { ApiError, createApi as createClient } from "/widget/shared/api.js";

export { ApiError };

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
  return createClient({
    token: getToken,
    statusLine: (res) => `HTTP ${res.status} ${res.statusText}`,
    unauthorized({ path, token }) {
      if (token && path !== "/api/auth/login") onUnauthorized();
      return false; // never retried: the agent signs in again
    },
  });
}
