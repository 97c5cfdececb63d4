// "/incidents/:id": the permalink page a journalist cites — what, where, when, how sure, the evidence,
// the revisions, downloads, and a ready-to-copy citation line.
import { getJSON, query } from "../api.js";
import { timeChart, withGaps } from "../charts/timeline.js";
import { h, stateBadge, table, timePair } from "../dom.js";
import { dual, duration, number, offsetLabel, percent, stamp } from "../format.js";
import { SERIES } from "../palette.js";
import { evidenceLabel, evidenceValue } from "../i18n-evidence.js";
import { zoomParams } from "../range.js";
import { link } from "../url-state.js";
import { bandsFor } from "./region.js";
import { failingNames, fetchTargets, targetsSection } from "./targets-table.js";
import { analysisSection, verificationLine } from "./analysis.js";

const MAX_IDS = 20;

/** The citation sentence, in the visitor's language and zone. */
export function citation(inc, { regionName, where, url, ctx }) {
  const { t, zone } = ctx;
  const zoneLabel = offsetLabel(new Date(inc.startedAt), zone);
  // Both readings of each time: UTC for the record, the zone for the reader ("19:01:05 UTC (00:01:05 UTC+5)").
  const both = (iso) => {
    const d = dual(iso, zone);
    return d.local ? `${d.utc} (${d.local})` : d.utc;
  };
  const vars = {
    kind: t(`state.${inc.kind}`),
    where,
    region: regionName,
    start: both(inc.startedAt),
    end: inc.endedAt ? both(inc.endedAt) : "",
    zone: zoneLabel,
    confidence: t(`confidence.${inc.confidence}`).toLowerCase(),
    id: inc.id,
    url,
    today: stamp(new Date().toISOString(), "UTC").slice(0, 10),
  };
  return t(inc.endedAt ? "cite.line" : "cite.lineOpen", vars);
}

function kv(rows, ctx) {
  return table([ctx.t("key"), ctx.t("value")], rows.map(([k, v]) => [h("span", { title: k, dataset: { key: k } }, evidenceLabel(k, ctx.lang)), evidenceValue(k, v, ctx.lang)]), "kv");
}

/** "list:non_whitelisted" (a whole list) reads as the list's name; URLs and categories stay as they are. */
function targetLabel(target, t) {
  const m = /^list:(whitelisted|non_whitelisted)$/.exec(target);
  return m ? t(`list.${m[1]}`) : h("code", {}, target);
}

function evidenceSection(inc, sha, ctx) {
  const { t } = ctx;
  const ev = inc.evidence;
  const ids = ev.measurementIds.slice(0, MAX_IDS);
  return h(
    "section",
    { class: "evidence", "data-testid": "evidence" },
    h("h2", {}, t("incident.evidence")),
    h("div", { class: "two-col" },
      h("div", {}, h("h3", {}, t("incident.counts")), kv(Object.entries(ev.counts), ctx)),
      h("div", {}, h("h3", {}, t("incident.figures")), kv(Object.entries(ev.figures), ctx))),
    h("h3", {}, t("incident.probes")),
    h("p", {}, ev.probes.length ? ev.probes.map((p) => h("code", { class: "chip" }, p)) : "—"),
    h("h3", {}, t("incident.measurements")),
    h("ul", { class: "ids" }, ids.map((id) => h("li", {}, h("code", {}, id)))),
    ev.measurementIds.length > MAX_IDS ? h("p", { class: "muted" }, t("incident.more", { n: ev.measurementIds.length - MAX_IDS })) : null,
    sha ? h("p", { class: "muted hash" }, `${t("incident.evidenceHash")}: `, h("code", {}, sha)) : null,
  );
}

function revisionsSection(inc, ctx) {
  const { t, zone } = ctx;
  const rows = inc.revisions.map((r) => [
    timePair(dual(r.at, zone), r.at),
    h("code", {}, r.field),
    `${JSON.stringify(r.from)} → ${JSON.stringify(r.to)}`,
    r.reason,
  ]);
  return h("section", { class: "revisions" }, h("h2", {}, t("incident.revisions")),
    rows.length ? table([t("incident.rev.at"), t("incident.rev.field"), t("incident.rev.change"), t("incident.rev.reason")], rows)
      : h("p", { class: "muted" }, t("incident.noRevisions")));
}

/** Open / ended, or withdrawn: a withdrawn incident's stored status is "closed", but "ended" would read as a finding. */
function statusBadge(status, withdrawn, t) {
  const shown = withdrawn ? "withdrawn" : status;
  return h("span", { class: `status status-${shown}`, "data-testid": "status" }, t(`incident.status.${shown}`));
}

function copyButton(text, ctx) {
  const btn = h("button", { type: "button", class: "button" }, ctx.t("incident.copy"));
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      btn.textContent = ctx.t("incident.copied");
    } catch {
      // Clipboard needs a secure context; selecting the text still lets the reader copy by hand.
      getSelection()?.selectAllChildren(btn.previousElementSibling);
    }
  });
  return btn;
}

/** A success-rate chart around the incident; omitted when the timeline cannot be read. */
async function contextChart(inc, ctx) {
  const { t, lang, zone } = ctx;
  const start = new Date(inc.lastGoodAt ?? inc.startedAt).getTime() - 2 * 3_600_000;
  const end = Math.min(Date.now(), (inc.endedAt ? new Date(inc.endedAt).getTime() : Date.now()) + 2 * 3_600_000);
  const bucket = end - start > 48 * 3_600_000 ? "hour" : "minute";
  const url = `/api/v1/regions/${encodeURIComponent(inc.region)}/timeline${query({ since: new Date(start).toISOString(), until: new Date(end).toISOString(), bucket })}`;
  const tl = await getJSON(url).catch(() => null);
  if (!tl) return null;
  const network = inc.network ?? tl.series[0]?.network;
  const points = tl.series.find((s) => s.network === network)?.points ?? [];
  const canvas = h("canvas", { role: "img", "aria-label": `${t("region.success")}, ${network ?? ""}`, "data-testid": "chart-incident" });
  ctx.afterMount(() => {
    const chart = timeChart(canvas, { zone, lang, from: start, to: end, bands: bandsFor(tl.incidents.filter((i) => i.id === inc.id), network, t),
      y: { min: 0, max: 1, format: (v) => percent(v, lang) }, datasets: [
        { label: t("list.whitelisted"), data: withGaps(points, tl.bucketSeconds, (p) => p.whitelisted), ...SERIES.whitelisted },
        { label: t("list.non_whitelisted"), data: withGaps(points, tl.bucketSeconds, (p) => p.non_whitelisted), ...SERIES.non_whitelisted },
      ] });
    ctx.onCleanup(() => chart.destroy());
  });
  return h("figure", { class: "chart" }, h("figcaption", {}, `${t("incident.chart")}: ${t("region.success")}`), h("div", { class: "chart-box" }, canvas));
}

export async function render(id, ctx) {
  const { t, lang, zone } = ctx;
  const [data, regions] = await Promise.all([getJSON(`/api/v1/incidents/${encodeURIComponent(id)}`), ctx.regions().catch(() => ({ regions: [] }))]);
  const inc = data.incident;
  const region = regions.regions.find((r) => r.id === inc.region);
  const regionName = region?.names?.[lang] ?? region?.names?.en ?? inc.region;
  const net = region?.networks.find((n) => n.id === inc.network);
  const where = inc.network ? `${net?.name ?? inc.network}${net ? ` (${t(`netkind.${net.kind}`)})` : ""}` : t("incident.wholeRegion");
  const permalink = `${ctx.publicUrl.replace(/\/$/, "")}/incidents/${encodeURIComponent(inc.id)}`;
  // A withdrawn incident says so before anything a reader could quote, the citation line included.
  const withdrawn = data.withdrawnAt ? t("incident.withdrawn", { time: dual(data.withdrawnAt, zone).utc }) : null;
  const cite = (withdrawn ? `${withdrawn} ` : "") + citation(inc, { regionName, where, url: permalink, ctx });
  ctx.setTitle(t("incident.title", { kind: t(`state.${inc.kind}`), region: regionName }));
  const networks = inc.evidence.networks.length ? inc.evidence.networks : inc.network ? [inc.network] : [];
  const [chart, targets, analysis] = await Promise.all([
    contextChart(inc, ctx),
    fetchTargets(inc.region, { network: inc.network ?? undefined, since: new Date(inc.startedAt), until: inc.endedAt ? new Date(inc.endedAt) : new Date() }),
    analysisSection(inc.id, ctx),
  ]);
  const failing = targets ? failingNames(targets.rows) : [];
  const netNameOf = (id) => region?.networks.find((n) => n.id === id)?.name ?? id;

  const facts = [
    [t("incident.where"), h("span", {}, h("a", { href: link(`/regions/${encodeURIComponent(inc.region)}`, lang) }, regionName), ` — ${where}`, " ",
      h("a", { class: "zoom", "data-testid": "zoom-region", href: link(`/regions/${encodeURIComponent(inc.region)}`, lang, zoomParams(inc)) }, `⤢ ${t("range.zoomTitle")}`))],
    [t("incident.networks"), networks.map((id) => region?.networks.find((n) => n.id === id)?.name ?? id).join(", ") || t("incident.wholeRegion")],
    [t("incident.lastGood"), inc.lastGoodAt ? timePair(dual(inc.lastGoodAt, zone), inc.lastGoodAt) : "—"],
    [t("incident.started"), timePair(dual(inc.startedAt, zone), inc.startedAt)],
    [t("incident.ended"), inc.endedAt ? timePair(dual(inc.endedAt, zone), inc.endedAt) : t("incident.ongoing")],
    [t("incident.duration"), duration(inc.startedAt, inc.endedAt ?? new Date().toISOString(), t)],
    [t("incident.confidence"), h("span", {}, h("strong", { class: `conf conf-${inc.confidence}` }, t(`confidence.${inc.confidence}`)), ` — ${t(`confidence.${inc.confidence}Help`)}`)],
    failing.length ? [t("targets.failing"), h("strong", { "data-testid": "failing-services" }, failing.join(", "))] : null,
    [t("incident.targets"), inc.targets.length ? h("ul", { class: "targets" }, inc.targets.map((x) => h("li", {}, targetLabel(x, t)))) : "—"],
    [t("incident.summary"), h("span", { "data-testid": "summary" }, data.summaries?.[lang] ?? inc.summary)],
  ];
  const citeText = h("p", { class: "cite-text", "data-testid": "citation" }, cite);
  return h(
    "article",
    { class: "view incident", dataset: { incident: inc.id } },
    h("p", {}, h("a", { href: link(`/regions/${encodeURIComponent(inc.region)}`, lang) }, `← ${regionName}`)),
    h("div", { class: "title-row" }, h("h1", {}, t("incident.title", { kind: t(`state.${inc.kind}`), region: regionName })),
      stateBadge(inc.kind, t), statusBadge(inc.status, Boolean(withdrawn), t)),
    withdrawn ? h("p", { class: "notice", role: "alert", "data-testid": "withdrawn" }, withdrawn) : null,
    h("p", {}, verificationLine(analysis.verification, ctx)),
    inc.revisedAt ? h("p", { class: "notice" }, t("incident.revisedAt", { time: dual(inc.revisedAt, zone).utc })) : null,
    h("dl", { class: "facts" }, facts.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h("section", { class: "cite" }, h("h2", {}, t("incident.cite")), citeText, copyButton(cite, ctx)),
    h("p", { class: "downloads" },
      h("a", { class: "button", href: data.links?.json ?? `/api/v1/incidents/${encodeURIComponent(inc.id)}`, download: `keepwatch-${inc.id}.json` }, t("incident.downloadJson")),
      h("a", { class: "button", href: `${data.links?.csv ?? `/api/v1/incidents/${encodeURIComponent(inc.id)}/export.csv`}?bom=1&lang=${lang}`, download: `keepwatch-${inc.id}.csv` }, t("incident.downloadCsv"))),
    chart,
    analysis.section,
    targetsSection(targets, netNameOf, ctx),
    evidenceSection(inc, data.evidenceSha256, ctx),
    revisionsSection(inc, ctx),
  );
}
