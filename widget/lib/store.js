// The widget's own storage, one entry per organisation (site key):
//   localStorage["parley:v1:<siteKey>"] = {token, contactId, offsets, outbox, conversationId}
// Storage may be blocked (privacy settings, sandboxed frames): then the state lives in memory
// for this page only.

export function createStore(siteKey) {
  const key = `parley:v1:${siteKey}`;
  let data = {};
  try {
    data = JSON.parse(localStorage.getItem(key) || "{}") || {};
  } catch {
    data = {};
  }
  const state = {
    token: typeof data.token === "string" ? data.token : null,
    contactId: Number.isInteger(data.contactId) ? data.contactId : null,
    offsets: data.offsets && typeof data.offsets === "object" ? data.offsets : {},
    outbox: Array.isArray(data.outbox) ? data.outbox : [],
    conversationId: Number.isInteger(data.conversationId) ? data.conversationId : null
  };
  return {
    state,
    save() {
      try {
        localStorage.setItem(key, JSON.stringify(state));
      } catch {
        // blocked or full: keep going in memory
      }
    },
    /** Forget everything that belongs to the current contact (a different visitor now). */
    resetContact() {
      state.offsets = {};
      state.outbox = [];
      state.conversationId = null;
    }
  };
}
