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

/** 512 → "512 bytes", 1536 → "1.5 KB", 3_400_000 → "3.2 MB" (1 KB = 1024 bytes). */
export function fileSize(bytes) {
  const n = Math.max(0, Number(bytes) || 0);
  if (n < 1024) return `${n} ${n === 1 ? "byte" : "bytes"}`;
  const units = ["KB", "MB", "GB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} ${units[unit]}`;
}
