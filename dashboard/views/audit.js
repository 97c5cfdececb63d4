// "/audit" (admins): the audit log, newest last page first, and the user list; the CSV has all of it.
import { getJSON, query } from "../api.js";
import { h, table, timePair } from "../dom.js";
import { dual } from "../format.js";
import { session } from "../session.js";

const PAGE = 200;

export async function render(ctx) {
  const { t, zone } = ctx;
  ctx.setTitle(t("audit.title"));
  const s = await session();
  if (s.user?.role !== "admin") return h("div", { class: "view audit" }, h("h1", {}, t("audit.title")), h("p", { class: "notice" }, t("audit.forbidden")));
  const offset = Math.max(0, Number(ctx.search.get("offset")) || 0);
  const [log, users] = await Promise.all([getJSON(`/api/v1/audit${query({ limit: PAGE, offset })}`), getJSON("/api/v1/users")]);
  return h(
    "div",
    { class: "view audit" },
    h("h1", {}, t("audit.title")),
    h("p", {}, h("a", { class: "button", href: "/api/v1/audit.csv", download: "keepwatch-audit.csv" }, t("audit.csv"))),
    h("div", { class: "table-scroll", "data-testid": "audit" }, table(
      [t("audit.at"), t("audit.actor"), t("audit.action"), t("audit.subject"), t("audit.detail")],
      log.entries.map((e) => [timePair(dual(e.at, zone), e.at), e.actor, h("code", {}, e.action), e.subject, e.detail ?? ""]),
    )),
    log.nextOffset !== null ? h("p", {}, h("a", { href: `/audit${query({ offset: log.nextOffset, lang: ctx.lang })}` }, "→")) : null,
    h("h2", {}, t("audit.users")),
    table([t("login.name"), "role", ""], users.users.map((u) => [u.name, t(`role.${u.role}`), u.disabledAt ? `✕ ${u.disabledAt}` : "✓"])),
  );
}
