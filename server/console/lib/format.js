// Times and labels. The server speaks UTC ISO strings; the console shows local times.

export const STATUSES = [
  "NEW", "OPEN", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "WAITING_ON_THIRD_PARTY",
  "RESOLVED", "CLOSED", "CANCELLED",
];
export const OPEN_STATUSES = STATUSES.slice(0, 5);
export const PRIORITIES = ["LOW", "MEDIUM", "HIGH", "URGENT", "CRITICAL"];

/** "WAITING_ON_CUSTOMER" → "Waiting on customer". */
export function label(raw) {
  if (!raw) return "";
  const text = String(raw).replace(/_/g, " ").toLowerCase();
  return text[0].toUpperCase() + text.slice(1);
}

export function ms(iso) {
  return iso ? Date.parse(iso) : NaN;
}

/** 75 → "1m 15s", 4000 → "1h 06m", 200000 → "2d 7h". */
export function duration(seconds) {
  const sec = Math.max(0, Math.floor(seconds));
  if (sec < 60) return `${sec}s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m}m ${String(sec % 60).padStart(2, "0")}s`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
}

/** "5m ago", "in 3h 02m". */
export function relative(iso, now = Date.now()) {
  const t = ms(iso);
  if (Number.isNaN(t)) return "";
  const diff = (t - now) / 1000;
  if (Math.abs(diff) < 30) return "just now";
  return diff < 0 ? `${duration(-diff)} ago` : `in ${duration(diff)}`;
}

/** Local date and time, short. */
export function when(iso) {
  const t = ms(iso);
  if (Number.isNaN(t)) return "";
  const d = new Date(t);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}

export function fullTime(iso) {
  const t = ms(iso);
  return Number.isNaN(t) ? "" : new Date(t).toLocaleString();
}
