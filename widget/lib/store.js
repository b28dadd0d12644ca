// The widget's storage: localStorage["parley:v1:<siteKey>"] (memory when blocked), merged on
// write across tabs; a newer token another tab stored is adopted (widget/README.md).

export function createStore(siteKey, onAdopt) {
  const key = `parley:v1:${siteKey}`;
  const gone = new Set(); // clientMessageIds sent, refused or seen delivered
  let adopted = false; // another tab's token taken, and maybe its contact not yet known here
  const read = () => {
    try {
      return JSON.parse(localStorage.getItem(key) || "{}") || {};
    } catch {
      return {};
    }
  };
  const data = read();
  const state = {
    token: typeof data.token === "string" ? data.token : null,
    tokenAt: Number(data.tokenAt) || 0,
    contactId: Number.isInteger(data.contactId) ? data.contactId : null,
    offsets: data.offsets && typeof data.offsets === "object" ? data.offsets : {},
    outbox: Array.isArray(data.outbox) ? data.outbox : [],
    conversationId: Number.isInteger(data.conversationId) ? data.conversationId : null
  };

  /** Another tab stored a newer token (e.g. after identify): take it. */
  function adopt(d) {
    if (typeof d.token !== "string" || d.token === state.token || !(d.tokenAt > state.tokenAt)) return false;
    state.token = d.token;
    state.tokenAt = d.tokenAt;
    adopted = true;
    if (onAdopt) setTimeout(onAdopt);
    return true;
  }

  addEventListener("storage", (ev) => {
    if (ev.key !== key || !ev.newValue) return;
    try {
      adopt(JSON.parse(ev.newValue) || {});
    } catch {
      // not ours to read
    }
  });

  return {
    state,
    setToken(token) {
      state.token = token;
      state.tokenAt = Date.now();
      adopted = false;
    },
    /** This outbox entry is done with (sent, refused, or its message seen on the server). */
    done(id) {
      gone.add(id);
      state.outbox = state.outbox.filter((item) => item.clientMessageId !== id);
    },
    save() {
      const d = read();
      // Another tab's newer session: the entry is its contact's, not ours to overwrite until
      // onAdopt has brought that contact here.
      adopt(d);
      if (adopted && d.contactId !== state.contactId) return;
      adopted = false;
      const out = { ...state, offsets: { ...state.offsets }, outbox: [] };
      const same = d.contactId === state.contactId;
      if (same && d.offsets && typeof d.offsets === "object") {
        for (const [channel, o] of Object.entries(d.offsets)) {
          const mine = out.offsets[channel];
          if (o && (!mine || (mine.epoch === o.epoch && o.offset > mine.offset))) out.offsets[channel] = o;
        }
      }
      const mine = new Map(state.outbox.map((item) => [item.clientMessageId, item]));
      for (const item of same && Array.isArray(d.outbox) ? d.outbox : []) {
        const id = item && item.clientMessageId;
        if (mine.has(id)) {
          out.outbox.push(mine.get(id));
          mine.delete(id);
        } else if (id && !gone.has(id)) {
          out.outbox.push(item);
        }
      }
      out.outbox.push(...mine.values());
      try {
        localStorage.setItem(key, JSON.stringify(out));
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
