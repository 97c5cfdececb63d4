// "/login": sign in (name + password). After signing in the reader goes back to ?next= (a same-site path
// only, never another site) or to the overview. Signed in already: who, and a sign-out button.
import { h } from "../dom.js";
import { refresh, session, write } from "../session.js";
import { link } from "../url-state.js";

/** Only a local path ("/regions/KZ-47?…"), never "//evil.example" or "https://…". */
export function safeNext(next) {
  return typeof next === "string" && /^\/(?![/\\])/.test(next) ? next : "/";
}

export async function render(ctx) {
  const { t, lang } = ctx;
  ctx.setTitle(t("login.title"));
  const s = await session();
  if (s.user) {
    const out = h("button", { type: "button", class: "button", "data-testid": "sign-out" }, t("login.signOut"));
    out.addEventListener("click", async () => {
      await write("DELETE", "/api/v1/session").catch(() => null);
      await refresh();
      location.assign(link("/", lang));
    });
    return h("div", { class: "view login" }, h("h1", {}, t("login.title")),
      h("p", { "data-testid": "signed-in" }, t("login.signedIn", { name: s.user.name, role: t(`role.${s.user.role}`) })), out);
  }
  const msg = h("p", { class: "notice error", role: "alert", hidden: true, "data-testid": "login-error" });
  const name = h("input", { name: "name", autocomplete: "username", required: true, maxlength: 64, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: 1024 });
  const form = h("form", { class: "login-form", method: "post", "data-testid": "login-form" },
    h("label", {}, t("login.name"), name), h("label", {}, t("login.password"), password),
    h("button", { type: "submit", class: "button" }, t("login.submit")), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await write("POST", "/api/v1/session", { name: name.value.trim(), password: password.value });
      await refresh();
      location.assign(safeNext(ctx.search.get("next")));
    } catch (err) {
      msg.hidden = false;
      msg.textContent = err.status === 429 ? t("login.limited", { s: err.retryAfter ?? 60 }) : t("login.failed");
      password.value = "";
    }
  });
  return h("div", { class: "view login" }, h("h1", {}, t("login.title")),
    ctx.search.get("next") ? h("p", { class: "muted" }, t("login.private")) : null, form);
}
