// The national view at a glance: one tile per configured region, coloured, hatched and marked by its state
// (colour is never the only cue: symbol, pattern and the state in words), each a link to the region's page.
// The server renders the same grid into the overview's <noscript> (src/api/national-tiles.ts).
import { h } from "../dom.js";
import { STATES, stateStyle } from "../palette.js";
import { link } from "../url-state.js";

const affected = (s) => s !== "normal" && s !== "unknown";

export function tile(r, ctx) {
  const { t, lang } = ctx;
  const state = r.state in STATES ? r.state : "unknown";
  const name = r.names?.[lang] ?? r.names?.en ?? r.id;
  const bad = r.networks.filter((n) => affected(n.state)).length;
  const label = `${name}: ${t(`state.${r.state}`)}`;
  return h(
    "a",
    { class: `tile state-${state}`, href: link(`/regions/${encodeURIComponent(r.id)}`, lang), title: label, "aria-label": label, dataset: { region: r.id, state: r.state } },
    h("span", { class: "tile-name" }, name),
    h("span", { class: "tile-state" }, h("span", { class: "sym", "aria-hidden": "true" }, stateStyle(r.state).symbol), " ", t(`state.${r.state}`)),
    r.networks.length > 1 && bad > 0 ? h("span", { class: "tile-nets" }, t("tiles.nets", { bad, n: r.networks.length })) : null,
  );
}

/** Regions in a stable order (by id, as on a map legend), so a tile stays where the reader last saw it. */
export function tileGrid(regions, ctx) {
  const sorted = [...regions].sort((a, b) => a.id.localeCompare(b.id));
  return h(
    "section",
    { class: "tiles-section", "aria-labelledby": "tiles-title" },
    h("h2", { id: "tiles-title" }, ctx.t("tiles.title")),
    h("p", { class: "muted" }, ctx.t("tiles.help")),
    h("nav", { class: "tiles", "data-testid": "region-tiles", "aria-labelledby": "tiles-title" }, sorted.map((r) => tile(r, ctx))),
  );
}
