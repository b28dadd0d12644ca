// The dashboard: open / resolved / unassigned / created today / average first response, and a
// 14-day volume chart drawn as plain SVG. Reloaded (debounced) when tickets change on `queue`.
import { isTicketEvent } from "/widget/shared/events.js";
import { debounce, h, s } from "../lib/dom.js";
import { duration } from "../lib/format.js";

const W = 700;
const H = 220;
const PAD = { top: 16, right: 12, bottom: 34, left: 36 };

function dayLabel(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  return d.toLocaleDateString([], { month: "short", day: "numeric", timeZone: "UTC" });
}

export function chart(volume) {
  const max = Math.max(1, ...volume.map((d) => Math.max(d.created, d.resolved)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, volume.length);
  const barW = Math.max(4, slot * 0.56);
  const y = (v) => PAD.top + innerH - (v / max) * innerH;
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`, role: "img", "data-console": "volume-chart", class: "chart",
    "aria-label": `Tickets created and resolved per day over the last ${volume.length} days`,
  });
  svg.append(
    s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0), class: "axis" }),
    s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(max), y2: y(max), class: "grid" }),
    s("text", { x: PAD.left - 6, y: y(max) + 4, "text-anchor": "end", class: "tick" }, String(max)),
    s("text", { x: PAD.left - 6, y: y(0) + 4, "text-anchor": "end", class: "tick" }, "0"),
  );
  volume.forEach((d, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const label = `${dayLabel(d.date)}: ${d.created} created, ${d.resolved} resolved`;
    svg.append(
      s("rect", { x, y: y(d.created), width: barW, height: Math.max(0, y(0) - y(d.created)), class: "bar created", "data-day": d.date, "data-created": d.created, "data-resolved": d.resolved, rx: 2 },
        s("title", {}, label)),
      s("rect", { x: x + barW * 0.3, y: y(d.resolved), width: barW * 0.4, height: Math.max(0, y(0) - y(d.resolved)), class: "bar resolved", rx: 1 },
        s("title", {}, label)),
    );
    if (i % 2 === volume.length % 2 || i === volume.length - 1) {
      svg.append(s("text", { x: x + barW / 2, y: H - PAD.bottom + 16, "text-anchor": "middle", class: "tick" }, i === volume.length - 1 ? "Today" : dayLabel(d.date)));
    }
  });
  return svg;
}

export function mountDashboard(ctx) {
  const { api, rt, toast } = ctx;
  const stat = (name, text) => {
    const value = h("span", { class: "stat-value", "data-console": name }, "–");
    return [h("div", { class: "stat panel" }, value, h("span", { class: "stat-label muted" }, text)), value];
  };
  const [openCard, open] = stat("stat-open", "Open tickets");
  const [resolvedCard, resolved] = stat("stat-resolved", "Resolved");
  const [unassignedCard, unassigned] = stat("stat-unassigned", "Unassigned");
  const [todayCard, today] = stat("stat-created-today", "Created today");
  const [frCard, firstResponse] = stat("stat-first-response", "Average first response");
  const chartBox = h("div", { class: "chart-box" });
  const legend = h("p", { class: "legend muted" }, h("span", { class: "key created" }), " created  ", h("span", { class: "key resolved" }), " resolved");
  const el = h("div", { class: "dashboard", "data-console": "dashboard" },
    h("h1", {}, "Dashboard"),
    h("div", { class: "stats" }, openCard, resolvedCard, unassignedCard, todayCard, frCard),
    h("section", { class: "panel" }, h("h2", {}, "Last 14 days"), chartBox, legend));

  let gen = 0;
  async function load() {
    const mine = ++gen;
    try {
      const d = await api("GET", "/api/dashboard");
      if (mine !== gen) return;
      open.textContent = String(d.open);
      resolved.textContent = String(d.resolved);
      unassigned.textContent = String(d.unassigned);
      today.textContent = String(d.createdToday);
      const avg = d.averageFirstResponseSeconds;
      firstResponse.textContent = avg == null ? "—" : duration(avg);
      firstResponse.title = avg == null ? "No first responses yet" : `${Math.round(avg)} seconds`;
      chartBox.replaceChildren(chart(d.volume || []));
    } catch (err) {
      toast(err);
    }
  }
  const reload = debounce(load, 1000);
  const leave = rt.join("queue", (msg) => {
    if ((msg.type === "sync" && msg.refetch) || (msg.type === "event" && isTicketEvent(msg.event))) reload();
  });
  load();
  return { el, title: "Dashboard", destroy() { leave(); reload.cancel(); } };
}
