// "/incidents": the archive — every incident, newest first, filtered by region, network, kind, status and
// UTC dates. The filters are the URL's query (?region=&network=&kind=&status=&from=&to=&offset=), so a
// filtered list is a link a journalist can share.
import { getJSON, query } from "../api.js";
import { h, stateBadge, table, timePair } from "../dom.js";
import { dual, duration } from "../format.js";
import { hrefWith, link } from "../url-state.js";

const KINDS = ["full_shutdown", "dark", "whitelist_only", "service_blocking", "throttling", "dns_interference"];
const PAGE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The archive's filters from the URL, and the API query they mean. Bad dates are reported, not guessed. */
export function archiveQuery(search) {
  const f = {
    region: search.get("region") ?? "",
    network: search.get("network") ?? "",
    kind: KINDS.includes(search.get("kind")) ? search.get("kind") : "",
    status: ["open", "closed"].includes(search.get("status")) ? search.get("status") : "",
    from: search.get("from") ?? "",
    to: search.get("to") ?? "",
    offset: Math.max(0, Number.parseInt(search.get("offset") ?? "0", 10) || 0),
  };
  const bad = [];
  const day = (s, end) => {
    if (!s) return undefined;
    if (!DAY.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) return void bad.push(s);
    // "to" is inclusive: the whole UTC day.
    return end ? new Date(Date.parse(`${s}T00:00:00Z`) + 86_400_000).toISOString() : `${s}T00:00:00Z`;
  };
  const api = {
    region: f.region, network: f.network, kind: f.kind, status: f.status,
    since: day(f.from, false), until: day(f.to, true), limit: PAGE, offset: f.offset,
  };
  return { filters: f, api, bad };
}

function select(id, label, value, options, onChange) {
  return h("label", {}, label, " ", h("select", { id, name: id, onchange: (e) => onChange(e.target.value) },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text))));
}

export async function render(ctx) {
  const { t, lang, zone, search } = ctx;
  ctx.setTitle(t("archive.title"));
  const { filters: f, api, bad } = archiveQuery(search);
  const [regions, data] = await Promise.all([ctx.regions(), getJSON(`/api/v1/incidents${query({ ...api, lang })}`)]);
  const regionById = new Map(regions.regions.map((r) => [r.id, r]));
  const regionName = (id) => regionById.get(id)?.names?.[lang] ?? id;
  const networks = new Map();
  for (const r of regions.regions) for (const n of r.networks) if (!f.region || r.id === f.region) networks.set(n.id, n.name);
  const go = (params) => {
    // Any change of filter starts again at the newest page.
    history.replaceState(null, "", hrefWith({ offset: null, ...params }));
    ctx.rerender();
  };
  const any = ["", t("archive.any")];
  const form = h("form", { class: "controls filters", "data-testid": "archive-filters", onsubmit: (e) => e.preventDefault() },
    select("f-region", t("archive.region"), f.region, [any, ...regions.regions.map((r) => [r.id, regionName(r.id)])], (v) => go({ region: v, network: null })),
    select("f-network", t("archive.network"), f.network, [any, ...[...networks].map(([id, name]) => [id, name])], (v) => go({ network: v })),
    select("f-kind", t("archive.kind"), f.kind, [any, ...KINDS.map((k) => [k, t(`state.${k}`)])], (v) => go({ kind: v })),
    select("f-status", t("archive.status"), f.status, [any, ["open", t("incident.status.open")], ["closed", t("incident.status.closed")]], (v) => go({ status: v })),
    h("label", {}, t("archive.from"), " ", h("input", { type: "date", id: "f-from", value: DAY.test(f.from) ? f.from : "", onchange: (e) => go({ from: e.target.value }) })),
    h("label", {}, t("archive.to"), " ", h("input", { type: "date", id: "f-to", value: DAY.test(f.to) ? f.to : "", onchange: (e) => go({ to: e.target.value }) })),
    h("a", { class: "button", href: link("/incidents", lang) }, t("archive.reset")),
  );
  const rows = data.incidents.map((i) => {
    const net = regionById.get(i.region)?.networks.find((n) => n.id === i.network);
    return [
      // A withdrawn incident is listed (the archive keeps everything) but marked so nobody quotes it as a finding.
      h("a", { href: link(`/incidents/${encodeURIComponent(i.id)}`, lang) }, stateBadge(i.kind, t),
        data.withdrawn?.[i.id] ? [" ", h("span", { class: "status status-withdrawn", "data-testid": "archive-withdrawn" }, t("incident.status.withdrawn"))] : null),
      h("a", { href: link(`/regions/${encodeURIComponent(i.region)}`, lang) }, regionName(i.region)),
      i.network ? (net?.name ?? i.network) : t("incident.wholeRegion"),
      timePair(dual(i.startedAt, zone), i.startedAt),
      i.endedAt ? timePair(dual(i.endedAt, zone), i.endedAt) : t("incident.ongoing"),
      duration(i.startedAt, i.endedAt ?? new Date().toISOString(), t),
      h("span", {}, h("span", { class: `conf conf-${i.confidence}` }, t(`confidence.${i.confidence}`)),
        data.verifications?.[i.id] ? [" ", h("span", { class: "verified small", title: data.verifications[i.id].verifiedBy }, t("archive.verified"))] : null),
      h("span", { class: "summary-line", "data-testid": "archive-summary" }, data.summaries?.[i.id] ?? i.summary),
    ];
  });
  const pager = h("nav", { class: "pager" },
    f.offset > 0 ? h("a", { class: "button", href: hrefWith({ offset: Math.max(0, f.offset - PAGE) || null }) }, t("archive.newer")) : null,
    data.nextOffset !== null ? h("a", { class: "button", href: hrefWith({ offset: data.nextOffset }) }, t("archive.older")) : null);
  return h("div", { class: "view archive" },
    h("h1", {}, t("archive.title")),
    form,
    bad.map((v) => h("p", { class: "notice", role: "alert" }, t("archive.badDate", { value: v }))),
    rows.length
      ? [h("p", { class: "muted", "data-testid": "archive-count" }, t("archive.showing", { from: f.offset + 1, to: f.offset + rows.length })),
        table([t("incident.kind"), t("archive.region"), t("region.network"), t("incident.started"), t("incident.ended"), t("incident.duration"), t("incident.confidence"), t("incident.summary")], rows, "incidents archive-table")]
      : h("p", { class: "notice", "data-testid": "archive-empty" }, t("archive.none")),
    pager);
}
