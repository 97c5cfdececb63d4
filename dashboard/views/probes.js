// "/probes": every probe with its last-seen time. Ids only — the API never returns addresses.
import { getJSON } from "../api.js";
import { h, table, timePair } from "../dom.js";
import { ago, dual, number } from "../format.js";

/** A probe is "reporting" when it was seen within this long (the detector's default dark threshold). */
const FRESH_MS = 15 * 60_000;

/** An agent's last heartbeat: when, version, measurements waiting, clock offset, last error (agents only). */
function heartbeat(b, t, lang) {
  if (!b) return "—";
  const offset = b.clockOffsetMs === null ? "" : ` · ${t("probes.clock")} ${b.clockOffsetMs >= 0 ? "+" : ""}${number(b.clockOffsetMs / 1000, lang, 1)} s`;
  return h("span", { class: "heartbeat" },
    ago(b.receivedAt, t), h("br"),
    `${b.version} · ${number(b.spoolDepth, lang, 0)} ${t("probes.waiting")}${offset}`,
    ...(b.lastError ? [h("br"), h("span", { class: "muted" }, b.lastError)] : []));
}

export async function render(ctx) {
  const { t, lang, zone } = ctx;
  ctx.setTitle(t("probes.title"));
  const [data, regions] = await Promise.all([getJSON("/api/v1/probes"), ctx.regions().catch(() => ({ regions: [] }))]);
  const regionById = new Map(regions.regions.map((r) => [r.id, r]));
  const now = Date.now();
  const isFresh = (p) => p.lastSeenAt !== null && now - new Date(p.lastSeenAt).getTime() < FRESH_MS;
  // Silent probes first: they are what an operator opens this page to find.
  const probes = [...data.probes].sort((a, b) => Number(isFresh(a)) - Number(isFresh(b)) || a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
  const rows = probes.map((p) => {
    const region = regionById.get(p.region);
    const net = region?.networks.find((n) => n.id === p.network);
    const fresh = isFresh(p);
    return [
      h("code", {}, p.id),
      region ? h("a", { href: `/regions/${encodeURIComponent(p.region)}` }, region.names?.[lang] ?? p.region) : p.region,
      net?.name ?? p.network,
      t(`probes.role.${p.role}`),
      p.lastSeenAt
        ? h("span", { class: `seen ${fresh ? "fresh" : "stale"}` },
            h("span", { class: "seen-flag" }, fresh ? `● ${t("probes.fresh")}` : `○ ${t("probes.stale")}`), " ",
            ago(p.lastSeenAt, t), h("br"), timePair(dual(p.lastSeenAt, zone), p.lastSeenAt))
        : t("probes.never"),
      number(p.measurements, lang, 0),
      heartbeat(p.heartbeat, t, lang),
    ];
  });
  return h(
    "div",
    { class: "view probes" },
    h("h1", {}, t("probes.title")),
    h("p", { class: "muted" }, t("probes.note")),
    rows.length
      ? table([t("probes.id"), t("probes.region"), t("probes.network"), t("probes.role"), t("probes.lastSeen"), t("probes.measurements"), t("probes.heartbeat")], rows, "probes-table")
      : h("p", { class: "notice" }, t("probes.none")),
  );
}
