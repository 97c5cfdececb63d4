// Sharing: the facts a link preview needs for incident and region permalinks (ShareMeta, put into the
// dashboard shell by dashboardRoutes), the preview chart as PNG (GET /api/v1/incidents/:id/chart.png) and
// an embeddable region widget (GET /embed/regions/:id) whose frame-ancestors come from server.embedAncestors.
import { Hono, type Context } from "hono";
import { PHRASES } from "../../alerts/i18n/index.js";
import { renderChartPng } from "../chart-image.js";
import type { ResolvedDeps } from "../deps.js";
import { linkBase } from "../links.js";
import type { RegionsSource } from "../regions-source.js";
import { escapeHtml, type ShareMeta } from "../share-page.js";
import { buildTimeline } from "../timeline-view.js";
import { renderIncidentSummary, utcAndLocalToSecond, type SummaryContext } from "../../i18n/incident-summary.js";
import { targetNames } from "../../config/target-names.js";
import { ANALYST_PHRASES } from "../../i18n/analyst-phrases.js";
import { nationalTilesHtml, stateWords } from "../national-tiles.js";
import { DEMO_LABEL, demoPrefixed } from "../../i18n/demo-label.js";
import { SUMMARY_PHRASES } from "../../i18n/summary-phrases.js";
import { withdrawnAt } from "../../incident.js";

type Lang = "kk" | "ru" | "en";
const LANGS: readonly Lang[] = ["kk", "ru", "en"];
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const STATE_WORDS: Record<Lang, { normal: string; unknown: string }> = {
  en: { normal: "normal", unknown: "no data" }, ru: { normal: "норма", unknown: "нет данных" }, kk: { normal: "қалыпты", unknown: "дерек жоқ" },
};
const SYMBOL: Record<string, string> = { normal: "✓", unknown: "?", full_shutdown: "■", dark: "●", whitelist_only: "◐", service_blocking: "⊘", throttling: "▼", dns_interference: "◆" };

/** ?lang=, else a /kk/… prefix, else English (a bot sends no language we could trust). */
export function shareLang(c: Context): Lang {
  const q = c.req.query("lang");
  if (q && (LANGS as readonly string[]).includes(q)) return q as Lang;
  const m = /^\/(kk|ru|en)(\/|$)/.exec(c.req.path);
  return (m?.[1] as Lang | undefined) ?? "en";
}

export function shareSources(deps: ResolvedDeps, regions: RegionsSource) {
  let ctx: SummaryContext | undefined;
  const summaryCtx = () => (ctx ??= { regions: deps.config.regions, networks: deps.config.networks, timezone: deps.config.server.timezone, targetNames: targetNames(deps.config) });
  const base = linkBase(deps.config.server.publicUrl);
  const demo = deps.siteNotice?.demo === true;
  const stateWord = (state: string, lang: Lang) => (state === "normal" || state === "unknown" ? STATE_WORDS[lang][state] : PHRASES[lang].kind[state as keyof typeof PHRASES.en.kind]);

  async function incidentMeta(id: string, lang: Lang): Promise<ShareMeta | null> {
    const inc = await deps.store.getIncident(id);
    if (!inc) return null;
    const p = PHRASES[lang];
    const region = deps.config.regions.find((r) => r.id === inc.region)?.names[lang] ?? inc.region;
    const network = inc.network === null ? p.label.allNetworks : (deps.config.networks.find((n) => n.id === inc.network)?.name ?? inc.network);
    const tz = deps.config.server.timezone;
    const [verification, notes] = await Promise.all([deps.store.getIncidentVerification(id), deps.store.listIncidentNotes(id)]);
    const a = ANALYST_PHRASES[lang];
    const verified = verification ? a.verified(verification.verifiedBy, utcAndLocalToSecond(verification.verifiedAt, tz)) : null;
    // A verified incident says so first in previews: it is what a reader of a shared link weighs most.
    const plain = (verified ? `${verified}. ` : "") + renderIncidentSummary(inc, lang, summaryCtx());
    // A demo's preview text says so too: a link preview shows the description without the page's banner.
    const summary = demo ? demoPrefixed(plain, lang) : plain;
    const path = `/incidents/${encodeURIComponent(inc.id)}`;
    return {
      lang,
      // A withdrawn incident says so in the preview's title too: the title is what a feed shows first.
      title: `${withdrawnAt(inc) ? `${SUMMARY_PHRASES[lang].withdrawnLabel} · ` : ""}${cap(p.kind[inc.kind])}: ${region}`,
      description: summary,
      url: `${base}${path}?lang=${lang}`,
      image: `${base}/api/v1${path}/chart.png?lang=${lang}`,
      facts: [
        summary,
        `${p.label.region}: ${region}`,
        `${p.label.network}: ${network}`,
        ...(inc.lastGoodAt ? [`${p.label.lastGood}: ${utcAndLocalToSecond(inc.lastGoodAt, tz)}`] : []),
        `${p.label.started}: ${utcAndLocalToSecond(inc.startedAt, tz)}`,
        ...(inc.endedAt ? [`${p.label.ended}: ${utcAndLocalToSecond(inc.endedAt, tz)}`] : []),
        `${p.label.confidence}: ${p.confidence[inc.confidence]}`,
        verified ?? a.unverified,
        ...notes.map((n) => `${a.note(n.author, utcAndLocalToSecond(n.createdAt, tz))}: ${n.text}`),
        `KeepWatch ${inc.id}`,
      ],
    };
  }

  async function regionMeta(id: string, lang: Lang): Promise<ShareMeta | null> {
    const view = (await regions.get()).regions.find((r) => r.id === id);
    if (!view) return null;
    const nets = view.networks.map((n) => `${n.name}: ${stateWord(n.state, lang)}`);
    const title = `${view.names[lang]}: ${stateWord(view.state, lang)}`;
    const description = nets.join("; ") || title;
    return { lang, title, description: demo ? demoPrefixed(description, lang) : description, url: `${base}/regions/${encodeURIComponent(id)}?lang=${lang}`, facts: [title, ...nets] };
  }

  async function overviewMeta(lang: Lang): Promise<ShareMeta> {
    const view = await regions.get();
    const hit = view.regions.filter((r) => r.state !== "normal" && r.state !== "unknown");
    const title = { en: "KeepWatch: internet shutdowns by region", ru: "KeepWatch: отключения интернета по регионам", kk: "KeepWatch: өңірлер бойынша интернет өшірулері" }[lang];
    const counts = { en: `${hit.length} of ${view.regions.length} regions affected`, ru: `Затронуто регионов: ${hit.length} из ${view.regions.length}`, kk: `Зардап шеккен өңірлер: ${hit.length} / ${view.regions.length}` }[lang];
    const lines = hit.map((r) => `${r.names[lang]}: ${stateWords(r.state, lang)}`);
    const description = [counts, ...lines].join("; ");
    return { lang, title, description: demo ? demoPrefixed(description, lang) : description, url: `${base}/?lang=${lang}`, facts: [counts], noscriptHtml: nationalTilesHtml(view.regions, lang, base) };
  }

  /** ShareMeta for a dashboard path, or null when the page has none (the plain shell is served). */
  return async (c: Context): Promise<ShareMeta | null> => {
    const path = c.req.path.replace(/^\/(kk|ru|en)(?=\/)/, "");
    const lang = shareLang(c);
    if (path === "/" || /^\/(kk|ru|en)\/?$/.test(c.req.path)) return overviewMeta(lang);
    let m = /^\/incidents\/([^/]+)\/?$/.exec(path);
    if (m) return incidentMeta(decodeURIComponent(m[1]!), lang);
    m = /^\/regions\/([^/]+)\/?$/.exec(path);
    if (m) return regionMeta(decodeURIComponent(m[1]!), lang);
    return null;
  };
}

export function shareRoutes(deps: ResolvedDeps, regions: RegionsSource): Hono {
  const app = new Hono();
  const tz = deps.config.server.timezone;
  const clock = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  // A demo's image and widget carry the label in their pixels and HTML: they are shown on other sites.
  const demo = deps.siteNotice?.demo === true;

  app.get("/api/v1/incidents/:id/chart.png", async (c) => {
    const inc = await deps.store.getIncident(c.req.param("id"));
    if (!inc) return c.json({ error: { code: "not_found", message: "unknown incident" } }, 404);
    const lang = shareLang(c);
    const start = Date.parse(inc.lastGoodAt ?? inc.startedAt) - 2 * 3_600_000;
    const end = Math.min(deps.clock().getTime(), (inc.endedAt ? Date.parse(inc.endedAt) : deps.clock().getTime()) + 2 * 3_600_000);
    const bucketSeconds = end - start > 2 * 86_400_000 ? 3600 : 60;
    const since = new Date(Math.floor(start / (bucketSeconds * 1000)) * bucketSeconds * 1000);
    const until = new Date(end);
    const region = deps.config.regions.find((r) => r.id === inc.region);
    const rows = await deps.store.networkStats({ since, until, region: inc.region, bucketSeconds });
    const series = buildTimeline(rows, since, until, bucketSeconds, region?.networks ?? []);
    const network = inc.network ?? series[0]?.network;
    const points = series.find((s) => s.network === network)?.points ?? [];
    const p = PHRASES[lang];
    const png = renderChartPng({
      // A withdrawn incident's image says so and shades nothing: it travels without the page's notice.
      title: [...(demo ? [DEMO_LABEL[lang]] : []), ...(withdrawnAt(inc) ? [SUMMARY_PHRASES[lang].withdrawnLabel] : []),
        `${cap(p.kind[inc.kind])}: ${region?.names[lang] ?? inc.region}${network ? ` — ${deps.config.networks.find((n) => n.id === network)?.name ?? network}` : ""}`],
      from: since.getTime(), to: until.getTime(),
      band: withdrawnAt(inc) ? null : { from: Date.parse(inc.startedAt), to: inc.endedAt ? Date.parse(inc.endedAt) : null },
      series: [
        { label: { en: "whitelisted", ru: "белый список", kk: "ақ тізім" }[lang], color: "#0072B2", points: points.map((q) => ({ x: Date.parse(q.t), y: q.whitelisted })) },
        { label: { en: "other sites", ru: "прочие сайты", kk: "басқа сайттар" }[lang], color: "#D55E00", dash: [12, 8], points: points.map((q) => ({ x: Date.parse(q.t), y: q.non_whitelisted })) },
      ],
      tick: (ms) => clock.format(new Date(ms)),
      axisTitle: `${{ en: "Time", ru: "Время", kk: "Уақыт" }[lang]}, ${tz}`,
    });
    return c.body(new Uint8Array(png), 200, { "content-type": "image/png", "cache-control": "public, max-age=300" });
  });

  app.get("/embed/regions/:id", async (c) => {
    const view = (await regions.get()).regions.find((r) => r.id === c.req.param("id"));
    const lang = shareLang(c);
    const ancestors = deps.config.server.embedAncestors.join(" ");
    const headers = {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "public, max-age=30",
      "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors ${ancestors}; base-uri 'none'`,
      "x-content-type-options": "nosniff",
    };
    if (!view) return c.body("<!doctype html><p>unknown region</p>", 404, headers);
    const word = (s: string) => (s === "normal" || s === "unknown" ? STATE_WORDS[lang][s] : PHRASES[lang].kind[s as keyof typeof PHRASES.en.kind]);
    const e = escapeHtml;
    const base = linkBase(deps.config.server.publicUrl);
    const html = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${demo ? "DEMO · " : ""}${e(view.names[lang])} · KeepWatch</title>
<style>body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:10px;color:#1a1a1a}h1{font-size:17px;margin:0 0 6px}ul{list-style:none;padding:0;margin:0}li{display:flex;justify-content:space-between;gap:8px;padding:3px 0;border-top:1px solid #eee}.s{font-weight:600}a{color:#0b5cad}.demo{background:#b00020;color:#fff;font-weight:700;padding:4px 8px;margin:0 0 6px}</style></head>
<body data-state="${e(view.state)}"${demo ? ' data-demo="1"' : ""}>${demo ? `<p class="demo" role="alert">${e(DEMO_LABEL[lang])}</p>` : ""}<h1>${e(view.names[lang])}: <span class="s">${e(SYMBOL[view.state] ?? "?")} ${e(word(view.state))}</span></h1>
<ul>${view.networks.map((n) => `<li data-network="${e(n.id)}"><span>${e(n.name)}</span><span class="s">${e(SYMBOL[n.state] ?? "?")} ${e(word(n.state))}</span></li>`).join("")}</ul>
<p><a href="${e(`${base}/regions/${encodeURIComponent(view.id)}?lang=${lang}`)}" target="_blank" rel="noopener">KeepWatch</a> · ${e(utcAndLocalToSecond(new Date().toISOString(), tz))}</p></body></html>`;
    return c.body(html, 200, headers);
  });
  return app;
}
