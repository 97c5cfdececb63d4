// Per-service evidence: which sites fail, on which network, how (blocking layer or down), over a range.
// Shared by the region page (the chosen range) and the incident page (the incident's own bounds).
import { getJSON, query } from "../api.js";
import { h, table } from "../dom.js";
import { percent } from "../format.js";

/** Fetches /regions/:id/targets; null when it cannot be read (the page still renders without it). */
export async function fetchTargets(region, { network, since, until }) {
  const q = { network, since: since.toISOString(), until: until.toISOString() };
  const data = await getJSON(`/api/v1/regions/${encodeURIComponent(region)}/targets${query(q)}`).catch(() => null);
  return data ? { rows: data.targets, bucketSeconds: data.bucketSeconds, csv: `/api/v1/regions/${encodeURIComponent(region)}/targets.csv${query({ ...q, bom: 1 })}` } : null;
}

/** Services that mostly failed: what "which sites are blocked" means in a sentence. */
export function failingNames(rows, threshold = 0.5) {
  return [...new Set(rows.filter((r) => r.successRatio !== null && r.successRatio < threshold).map((r) => r.name))];
}

export function targetsSection(result, networkName, ctx) {
  const { t, lang } = ctx;
  if (!result) return null;
  const failure = (r) => (r.mainFailure === null ? "—" : r.mainFailure === "down" ? t("targets.down") : t("targets.blocked", { layer: r.mainFailure.toUpperCase() }));
  const rows = result.rows.map((r) => [
    h("span", { class: "svc" }, h("strong", {}, r.name), h("br"), h("small", { class: "muted" }, `${r.category} · ${t(`list.${r.list}`)}`)),
    networkName(r.network),
    h("span", { class: r.successRatio !== null && r.successRatio < 0.5 ? "bad" : "" }, percent(r.successRatio, lang)),
    `${r.ok} / ${r.total}`,
    failure(r),
  ]);
  return h("section", { class: "targets-evidence", "data-testid": "targets" },
    h("h2", {}, t("targets.title")),
    rows.length
      ? table([t("targets.service"), t("region.network"), t("targets.success"), t("targets.checks"), t("targets.failure")], rows, "targets-table")
      : h("p", { class: "muted" }, t("region.noSeries")),
    // Hour buckets (a long or old range): say why the first partial hour is not counted.
    result.bucketSeconds === 3600 ? h("p", { class: "muted", "data-testid": "targets-hourly" }, t("targets.hourly")) : null,
    h("p", {}, h("a", { class: "button", href: result.csv, download: "" }, t("targets.csv"))));
}
