// Keyboard shortcuts. Single keys act only when focus is not in a text field; Ctrl/Cmd+Enter
// (send) is handled by the reply boxes themselves.
import { h } from "./dom.js";

const HELP = [
  ["j / k", "Next / previous item in a list"],
  ["Enter", "Open the focused item"],
  ["n", "Next conversation (oldest waiting chat, then your chats)"],
  ["c", "Claim the conversation you are on"],
  ["r", "Focus the reply box"],
  ["/", "Focus the search or first filter"],
  ["g then q / t / n / d", "Go to queue / tickets / new ticket / dashboard"],
  ["Ctrl+Enter or ⌘+Enter", "Send the reply"],
  ["Esc", "Leave a field, close a dialog"],
  ["?", "Show this help"],
];

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

export function installKeys({ navigate, nextConversation }) {
  const help = h(
    "dialog",
    { class: "help", "aria-label": "Keyboard shortcuts" },
    h("h2", {}, "Keyboard shortcuts"),
    h("dl", {}, HELP.map(([k, d]) => [h("dt", {}, h("kbd", {}, k)), h("dd", {}, d)])),
    h("form", { method: "dialog" }, h("button", { class: "primary" }, "Close")),
  );
  document.body.append(help);
  let pendingG = false;

  function move(step) {
    const items = [...document.querySelectorAll("#view [data-nav-item]")].filter((el) => el.getClientRects().length);
    if (!items.length) return;
    const current = items.findIndex((el) => el === document.activeElement || el.contains(document.activeElement));
    const next = items[Math.min(items.length - 1, Math.max(0, current < 0 ? 0 : current + step))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  function onKey(ev) {
    if (ev.key === "Escape" && typing(ev.target) && !ev.target.closest("dialog")) {
      ev.target.blur();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target) || ev.target.closest?.("dialog")) return;
    if (pendingG) {
      pendingG = false;
      const to = { q: "#/queue", t: "#/tickets", n: "#/tickets/new", d: "#/dashboard" }[ev.key];
      if (to) {
        ev.preventDefault();
        navigate(to);
      }
      return;
    }
    const act = {
      j: () => move(1),
      k: () => move(-1),
      n: () => nextConversation(),
      g: () => {
        pendingG = true;
        setTimeout(() => (pendingG = false), 1500);
      },
      r: () => document.querySelector("#view textarea[data-console=reply]")?.focus(),
      c: () => document.querySelector("#view [data-console=conversation] [data-console=claim]:not([hidden]):not(:disabled)")?.click(),
      "/": () => document.querySelector("#view input[name=q], #view input[name=requesterQuery], #view form select")?.focus(),
      "?": () => (help.open ? help.close() : help.showModal()),
    }[ev.key];
    if (act) {
      ev.preventDefault();
      act();
    }
  }
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    help.remove();
  };
}

/** Ctrl/Cmd+Enter in `textarea` calls `send`. */
export function sendOnCtrlEnter(textarea, send) {
  textarea.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      send();
    }
  });
}
