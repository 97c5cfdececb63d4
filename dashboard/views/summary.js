// "/": the national summary line, open incidents, and the region grid (state per network).
import { getJSON } from "../api.js";
import { h, stateBadge, timePair } from "../dom.js";
import { ago, dual, percent } from "../format.js";
import { STATES } from "../palette.js";
import { link } from "../url-state.js";
import { tileGrid } from "./tiles.js";

const ORDER = ["full_shutdown", "dark", "whitelist_only", "service_blocking", "throttling", "dns_interference"];

const isAffected = (state) => state !== "normal" && state !== "unknown";

/** Counts behind the headline: affected regions, per incident kind, and regions without data. */
export function tally(regions) {
  const byKind = {};
  let affected = 0;
  let noData = 0;
  for (const r of regions) {
    if (r.state === "unknown") noData++;
    if (!isAffected(r.state)) continue;
    affected++;
    byKind[r.state] = (byKind[r.state] ?? 0) + 1;
  }
  return { total: regions.length, affected, noData, byKind };
}

function headline(regions, ctx) {
  const { t } = ctx;
  const c = tally(regions);
  const parts = [];
  if (c.affected === 0) parts.push(t("summary.allNormal", { total: c.total }));
  else parts.push(t("summary.affected", { n: c.affected, total: c.total }));
  for (const k of ORDER) if (c.byKind[k]) parts.push(t("summary.byKind", { kind: t(`state.${k}`), n: c.byKind[k] }));
  if (c.noData) parts.push(t("summary.noData", { n: c.noData }));
  return h("p", { class: "headline", "data-testid": "headline", dataset: { affected: c.affected } }, parts.join(" · "));
}

function regionName(r, lang) {
  return r.names?.[lang] ?? r.names?.en ?? r.id;
}

function networkRow(n, ctx) {
  const { t, lang } = ctx;
  return h(
    "li",
    { class: "net", dataset: { network: n.id, state: n.state } },
    h("span", { class: "net-name" }, n.name, h("small", {}, ` ${t(`netkind.${n.kind}`)}`)),
    stateBadge(n.state, t, "small"),
    h(
      "span",
      { class: "ratios", title: `${t("list.whitelisted")} / ${t("list.non_whitelisted")}` },
      `${t("list.wlShort")} ${percent(n.ratios?.whitelisted, lang)} · ${t("list.nonWlShort")} ${percent(n.ratios?.non_whitelisted, lang)}`,
    ),
  );
}

function regionCard(r, ctx) {
  const { t, lang } = ctx;
  return h(
    "a",
    { class: `card region state-edge-${r.state in STATES ? r.state : "unknown"}`, href: link(`/regions/${encodeURIComponent(r.id)}`, lang), dataset: { region: r.id, state: r.state } },
    h("div", { class: "card-head" }, h("h3", {}, regionName(r, lang)), stateBadge(r.state, t)),
    h("ul", { class: "nets" }, r.networks.map((n) => networkRow(n, ctx))),
    r.lastMeasurementAt ? h("p", { class: "muted" }, `${t("region.lastMeasurement")}: ${ago(r.lastMeasurementAt, t)}`) : null,
  );
}

const rank = (state) => (isAffected(state) ? 0 : state === "unknown" ? 1 : 2);

function incidentItem(inc, regionsById, ctx) {
  const { t, lang, zone } = ctx;
  const region = regionsById.get(inc.region);
  const net = region?.networks.find((n) => n.id === inc.network);
  const where = [region ? regionName(region, lang) : inc.region, inc.network ? (net?.name ?? inc.network) : t("incident.wholeRegion")];
  return h(
    "li",
    { dataset: { incident: inc.id } },
    h("a", { href: link(`/incidents/${encodeURIComponent(inc.id)}`, lang) }, stateBadge(inc.kind, t), " ", h("strong", {}, where.join(" — "))),
    " ",
    h("span", { class: "muted" }, `${t("incident.started")}: `),
    timePair(dual(inc.startedAt, zone), inc.startedAt),
    " ",
    h("span", { class: `conf conf-${inc.confidence}` }, t(`confidence.${inc.confidence}`)),
  );
}

export async function render(ctx) {
  const { t } = ctx;
  ctx.setTitle(t("summary.title"));
  const [data, open] = await Promise.all([ctx.regions(), getJSON("/api/v1/incidents?status=open&limit=100")]);
  const regions = [...data.regions].sort(
    (a, b) => rank(a.state) - rank(b.state) || regionName(a, ctx.lang).localeCompare(regionName(b, ctx.lang), ctx.lang),
  );
  const byId = new Map(regions.map((r) => [r.id, r]));
  return h(
    "div",
    { class: "view summary" },
    h("section", { class: "national" }, h("h1", {}, t("summary.title")), headline(regions, ctx),
      h("p", { class: "muted" }, t("summary.updated", { time: dual(data.generatedAt, ctx.zone).local || dual(data.generatedAt, ctx.zone).utc }))),
    tileGrid(data.regions, ctx),
    h(
      "section",
      { class: "open-incidents" },
      h("h2", {}, t("summary.openIncidents")),
      open.incidents.length
        ? h("ul", { class: "incident-list" }, open.incidents.map((i) => incidentItem(i, byId, ctx)))
        : h("p", { class: "muted" }, t("summary.noOpen")),
    ),
    h("section", {}, h("h2", {}, t("summary.regions")), h("div", { class: "grid", "data-testid": "region-grid" }, regions.map((r) => regionCard(r, ctx)))),
    h(
      "section",
      { class: "legend" },
      h("h2", {}, t("summary.legend")),
      h("div", { class: "legend-items" }, ["normal", ...ORDER, "unknown"].map((s) => stateBadge(s, t))),
    ),
  );
}
