// The sign-in screen. The organisation field appears only when the server asks for it (the
// same email signs in to several organisations).
import { h } from "../lib/dom.js";
import { describe } from "../lib/api.js";

export function mountLogin({ api, toast, onSignedIn, message }) {
  const email = h("input", { name: "email", type: "email", autocomplete: "username", required: true, id: "login-email" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, id: "login-password" });
  const org = h("input", { name: "org", autocomplete: "organization", id: "login-org" });
  const orgRow = h("div", { class: "field", hidden: true }, h("label", { for: "login-org" }, "Organisation (slug)"), org);
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { "data-console": "login", class: "login-card", novalidate: true },
    h("h1", {}, "Parley"),
    h("p", { class: "muted" }, "Sign in to the agent console."),
    h("div", { class: "field" }, h("label", { for: "login-email" }, "Email"), email),
    h("div", { class: "field" }, h("label", { for: "login-password" }, "Password"), password),
    orgRow,
    submit,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!email.value.trim() || !password.value) {
      toast("Enter your email and password.");
      (email.value.trim() ? password : email).focus();
      return;
    }
    submit.disabled = true;
    try {
      const body = { email: email.value.trim(), password: password.value };
      if (org.value.trim()) body.org = org.value.trim();
      const r = await api("POST", "/api/auth/login", { body });
      toast(null);
      onSignedIn(r.token, r.agent);
    } catch (err) {
      if (err.fields && err.fields.org) {
        orgRow.hidden = false;
        org.focus();
      } else {
        password.select();
      }
      toast(err.status === 401 ? "Wrong email or password." : describe(err));
    } finally {
      submit.disabled = false;
    }
  });
  const el = h("main", { class: "login-screen" }, form);
  if (message) queueMicrotask(() => toast(message));
  queueMicrotask(() => email.focus());
  return { el, destroy() {} };
}
