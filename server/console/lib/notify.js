// The new-chat notice: a short beep made with WebAudio (no sound file) and "(N) " in front of
// the page title while chats wait. Both stay quiet while muted.

const BASE_TITLE = "Parley console";
let audio = null;

function context() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!audio) audio = new Ctx();
  return audio;
}

// Browsers start audio suspended until the page has had a user gesture: resume on the first.
for (const type of ["pointerdown", "keydown"]) {
  window.addEventListener(type, () => {
    if (audio && audio.state === "suspended") audio.resume().catch(() => {});
  }, { capture: true });
}

export function beep() {
  try {
    const ctx = context();
    if (!ctx) return;
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = 880;
    const t = ctx.currentTime;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.27);
  } catch {
    // no audio: the title and the list still show it
  }
}

export function setTitle(waiting, muted, page) {
  const base = page ? `${page} · ${BASE_TITLE}` : BASE_TITLE;
  document.title = !muted && waiting > 0 ? `(${waiting}) ${base}` : base;
}
