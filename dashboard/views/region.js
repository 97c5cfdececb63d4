// "/regions/:id": per-network timelines (success by list, throughput, DNS failures) with incident bands.
import { getJSON, query } from "../api.js";
import { timeChart, withGaps } from "../charts/timeline.js";
import { h, stateBadge, table, timePair } from "../dom.js";
import { dual, duration, number, percent, stamp } from "../format.js";
import { SERIES } from "../palette.js";

const RANGES = { "24h": { hours: 24, bucket: "minute" }, "7d": { hours: 168, bucket: "hour" } };

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

function controls(ctx, regionId, networks, network, rangeKey) {
  const { t } = ctx;
  const go = (params) => {
    history.replaceState(null, "", `/regions/${encodeURIComponent(regionId)}${query({ network, range: rangeKey, ...params })}`);
    ctx.rerender();
  };
  const netSelect = h("select", { id: "network-select", onchange: (e) => go({ network: e.target.value }) },
    networks.map((n) => h("option", { value: n.id, selected: n.id === network }, n.name)));
  const rangeSelect = h("select", { id: "range-select", onchange: (e) => go({ range: e.target.value }) },
    Object.keys(RANGES).map((k) => h("option", { value: k, selected: k === rangeKey }, t(`region.range${k}`))));
  return h("div", { class: "controls" }, h("label", {}, t("region.network"), " ", netSelect), h("label", {}, t("region.range"), " ", rangeSelect));
}

export async function render(regionId, ctx) {
  const { t, lang, zone, search } = ctx;
  const rangeKey = RANGES[search.get("range")] ? search.get("range") : "24h";
  const range = RANGES[rangeKey];
  const until = new Date();
  const since = new Date(until.getTime() - range.hours * 3_600_000);
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
    h("a", { href: `/incidents/${encodeURIComponent(i.id)}` }, stateBadge(i.kind, t)),
    i.network ? (networks.find((n) => n.id === i.network)?.name ?? i.network) : t("incident.wholeRegion"),
    timePair(dual(i.startedAt, zone), i.startedAt),
    i.endedAt ? timePair(dual(i.endedAt, zone), i.endedAt) : t("incident.ongoing"),
    duration(i.startedAt, i.endedAt ?? new Date().toISOString(), t),
  ]);
  const csv = `/api/v1/measurements/export.csv${query({ region: regionId, network, since: since.toISOString(), until: until.toISOString() })}`;

  return h(
    "div",
    { class: "view region" },
    h("p", {}, h("a", { href: "/" }, `← ${t("region.back")}`)),
    h("div", { class: "title-row" }, h("h1", {}, name), region ? stateBadge(region.state, t) : null),
    controls(ctx, regionId, networks, network, rangeKey),
    points.length === 0 ? h("p", { class: "notice" }, t("region.noSeries")) : null,
    h("div", { class: "charts" }, success.node, throughput.node, dns.node),
    h("section", {}, h("h2", {}, t("region.incidents")),
      incidents.length
        ? table([t("incident.kind"), t("region.network"), t("incident.started"), t("incident.ended"), t("incident.duration")], incidents, "incidents")
        : h("p", { class: "muted" }, t("region.noIncidents"))),
    h("p", {}, h("a", { class: "button", href: csv, download: "" }, t("region.downloadCsv"))),
  );
}
