// The console's own storage: localStorage["parley:console:v1"] = {token, agentId, muted,
// status}. Storage may be blocked: then the state lives in memory for this page only.

const KEY = "parley:console:v1";

function load() {
  try {
    const data = JSON.parse(localStorage.getItem(KEY) || "{}");
    return data && typeof data === "object" ? data : {};
  } catch {
    return {};
  }
}

const data = load();

export const store = {
  token: typeof data.token === "string" ? data.token : null,
  muted: data.muted === true,
  status: data.status === "away" ? "away" : "online",
  save() {
    try {
      localStorage.setItem(KEY, JSON.stringify({ token: this.token, muted: this.muted, status: this.status }));
    } catch {
      // blocked or full: keep going in memory
    }
  },
};

// Another tab signed out (or in): follow it.
window.addEventListener("storage", (ev) => {
  if (ev.key !== KEY) return;
  const next = load();
  if ((next.token || null) !== store.token) location.reload();
});
