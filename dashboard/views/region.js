// "/regions/:id": per-network timelines (success by list, throughput, DNS failures) with incident bands.
import { getJSON, query } from "../api.js";
import { timeChart, withGaps } from "../charts/timeline.js";
import { h, stateBadge, table, timePair } from "../dom.js";
import { dual, duration, number, percent, stamp } from "../format.js";
import { SERIES } from "../palette.js";
import { PRESETS, resolveRange, zoomParams } from "../range.js";
import { hrefWith, link, urlInstant } from "../url-state.js";
import { fetchTargets, targetsSection } from "./targets-table.js";
import { targetBars } from "../charts/target-bars.js";

/** The server's measurements export limit per request (api options maxExportDays). */
const MAX_CSV_DAYS = 31;

function chartBox(title, alt, testid) {
  const canvas = h("canvas", { role: "img", "aria-label": alt, "data-testid": testid });
  return { canvas, node: h("figure", { class: "chart" }, h("figcaption", {}, title), h("div", { class: "chart-box" }, canvas)) };
}

/** Incidents of this network (or of the whole region) as chart bands. */
export function bandsFor(incidents, network, t) {
  return incidents
    .filter((i) => i.network === null || i.network === network)
    .map((i) => ({ from: new Date(i.startedAt).getTime(), to: i.endedAt ? new Date(i.endedAt).getTime() : null, state: i.kind, label: t(`state.${i.kind}`) }));
}

/** "2026-12-01T19:01" for a datetime-local input showing UTC. */
const inputValue = (d) => d.toISOString().slice(0, 16);

function controls(ctx, networks, network, range) {
  const { t } = ctx;
  const go = (params) => {
    history.replaceState(null, "", hrefWith(params));
    ctx.rerender();
  };
  const netSelect = h("select", { id: "network-select", onchange: (e) => go({ network: e.target.value }) },
    networks.map((n) => h("option", { value: n.id, selected: n.id === network }, n.name)));
  const presets = h("div", { class: "presets", role: "group", "aria-label": t("region.range") },
    Object.keys(PRESETS).map((k) => h("a", {
      class: `button preset${range.preset === k ? " active" : ""}`, href: hrefWith({ range: k, since: null, until: null }),
      "aria-current": range.preset === k ? "true" : null, dataset: { range: k },
      onclick: (e) => { e.preventDefault(); go({ range: k, since: null, until: null }); },
    }, t(`range.${k}`))));
  const sinceIn = h("input", { type: "datetime-local", id: "range-since", value: inputValue(range.since), step: 60 });
  const untilIn = h("input", { type: "datetime-local", id: "range-until", value: inputValue(range.until), step: 60 });
  const custom = h("form", { class: "custom-range", onsubmit: (e) => {
    e.preventDefault();
    const since = new Date(`${sinceIn.value}Z`);
    const until = new Date(`${untilIn.value}Z`);
    if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime())) return;
    go({ range: null, since: urlInstant(since), until: urlInstant(until) });
  } }, h("span", {}, t("range.custom")), " ",
    h("label", {}, t("range.from"), " ", sinceIn), " ", h("label", {}, t("range.to"), " ", untilIn), " ",
    h("button", { type: "submit", class: "button" }, t("range.apply")));
  return h("div", { class: "controls" }, h("label", {}, t("region.network"), " ", netSelect), presets, custom);
}

export async function render(regionId, ctx) {
  const { t, lang, zone, search } = ctx;
  const range = resolveRange(search);
  const { since, until } = range;
  const [regions, tl] = await Promise.all([
    ctx.regions(),
    getJSON(`/api/v1/regions/${encodeURIComponent(regionId)}/timeline${query({ since: since.toISOString(), until: until.toISOString(), bucket: range.bucket })}`),
  ]);
  const region = regions.regions.find((r) => r.id === regionId);
  const name = region?.names?.[lang] ?? region?.names?.en ?? regionId;
  ctx.setTitle(name);

  // Networks: configured ones first, then any that only appear in the data.
  const networks = [...(region?.networks ?? [])];
  for (const s of tl.series) if (!networks.some((n) => n.id === s.network)) networks.push({ id: s.network, name: s.network, state: "unknown" });
  const wanted = search.get("network");
  const network = networks.find((n) => n.id === wanted)?.id
    ?? networks.find((n) => n.state !== "normal" && n.state !== "unknown")?.id ?? networks[0]?.id ?? null;
  const netName = networks.find((n) => n.id === network)?.name ?? network ?? "";
  const points = tl.series.find((s) => s.network === network)?.points ?? [];
  const bands = bandsFor(tl.incidents, network, t);
  const from = since.getTime();
  const to = until.getTime();
  const alt = (what) => t("region.chartAlt", { what, network: netName, from: stamp(since.toISOString(), zone), to: stamp(until.toISOString(), zone) });

  const success = chartBox(t("region.success"), alt(t("region.success")), "chart-success");
  const throughput = chartBox(t("region.throughput"), alt(t("region.throughput")), "chart-throughput");
  const dns = chartBox(t("region.dns"), alt(t("region.dns")), "chart-dns");
  const b = tl.bucketSeconds;
  ctx.afterMount(() => {
    const charts = [
      timeChart(success.canvas, { zone, lang, from, to, bands, y: { min: 0, max: 1, format: (v) => percent(v, lang) }, datasets: [
        { label: t("list.whitelisted"), data: withGaps(points, b, (p) => p.whitelisted), ...SERIES.whitelisted },
        { label: t("list.non_whitelisted"), data: withGaps(points, b, (p) => p.non_whitelisted), ...SERIES.non_whitelisted },
      ] }),
      timeChart(throughput.canvas, { zone, lang, from, to, bands, y: { format: (v) => number(v, lang) }, datasets: [
        { label: t("region.throughput"), data: withGaps(points, b, (p) => (p.throughputBps === null ? null : (p.throughputBps * 8) / 1e6)), ...SERIES.throughput },
      ] }),
      timeChart(dns.canvas, { zone, lang, from, to, bands, y: { format: (v) => number(v, lang, 0), precision: 0 }, datasets: [
        { label: t("region.dns"), data: withGaps(points, b, (p) => p.dnsFailures), kind: "bar", ...SERIES.dns },
      ] }),
    ];
    ctx.onCleanup(() => charts.forEach((c) => c.destroy()));
  });

  const incidents = tl.incidents.map((i) => [
    h("a", { href: link(`/incidents/${encodeURIComponent(i.id)}`, lang) }, stateBadge(i.kind, t)),
    i.network ? (networks.find((n) => n.id === i.network)?.name ?? i.network) : t("incident.wholeRegion"),
    timePair(dual(i.startedAt, zone), i.startedAt),
    i.endedAt ? timePair(dual(i.endedAt, zone), i.endedAt) : t("incident.ongoing"),
    duration(i.startedAt, i.endedAt ?? new Date().toISOString(), t),
    h("a", { class: "zoom", href: hrefWith(zoomParams(i)), title: t("range.zoomTitle"), dataset: { zoom: i.id } }, `⤢ ${t("range.zoom")}`),
  ]);
  const targets = await fetchTargets(regionId, { network, since, until });
  const netNameOf = (id) => networks.find((n) => n.id === id)?.name ?? id;
  // The export answers at most 31 days (maxExportDays) per request; a longer range would download a JSON
  // error named .csv, so the file covers the range's last 31 days and the page says so.
  const csvSince = new Date(Math.max(since.getTime(), until.getTime() - MAX_CSV_DAYS * 86_400_000));
  // bom=1: Excel on Windows reads a CSV without a byte-order mark as ANSI and garbles Cyrillic names.
  const csv = `/api/v1/measurements/export.csv${query({ region: regionId, network, since: csvSince.toISOString(), until: until.toISOString(), bom: 1, lang })}`;

  return h(
    "div",
    { class: "view region" },
    h("p", {}, h("a", { href: link("/", lang) }, `← ${t("region.back")}`)),
    h("div", { class: "title-row" }, h("h1", {}, name), region ? stateBadge(region.state, t) : null),
    controls(ctx, networks, network, range),
    range.bad ? h("p", { class: "notice", role: "alert" }, t("range.bad")) : null,
    range.custom ? h("p", { class: "muted", "data-testid": "range-shown" }, t("range.zoomed", { from: dual(since.toISOString(), "UTC").utc, to: dual(until.toISOString(), "UTC").utc })) : null,
    points.length === 0 ? h("p", { class: "notice" }, t("region.noSeries")) : null,
    h("div", { class: "charts" }, success.node, throughput.node, dns.node),
    targets ? targetBars(targets.rows, netNameOf, ctx) : null,
    targetsSection(targets, netNameOf, ctx),
    h("section", {}, h("h2", {}, t("region.incidents")),
      incidents.length
        ? table([t("incident.kind"), t("region.network"), t("incident.started"), t("incident.ended"), t("incident.duration"), ""], incidents, "incidents")
        : h("p", { class: "muted" }, t("region.noIncidents"))),
    h("p", {}, h("a", { class: "button", href: csv, download: "" }, t("region.downloadCsv")),
      csvSince > since ? h("span", { class: "muted", "data-testid": "csv-clamped" }, " ", t("region.csvClamped", { days: MAX_CSV_DAYS, from: dual(csvSince.toISOString(), "UTC").utc, to: dual(until.toISOString(), "UTC").utc })) : null),
  );
}
