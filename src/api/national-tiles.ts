// The overview's tile grid as server-rendered HTML, for readers without JavaScript (the <noscript> of "/")
// and link previews: the same classes as the dashboard's tiles (dashboard/views/tiles.js), so styles.css
// colours, hatches and sizes them alike. Every value is escaped here.
import { PHRASES } from "../alerts/i18n/index.js";
import type { RegionView } from "../views/region-view.js";
import { escapeHtml as e } from "./share-page.js";

type Lang = "kk" | "ru" | "en";

// The dashboard palette's symbols (dashboard/palette.js).
const SYMBOL: Record<string, string> = {
  normal: "✓", unknown: "?", whitelist_only: "◐", full_shutdown: "✕", service_blocking: "⊘", throttling: "≈", dns_interference: "⌁", dark: "■",
};
const WORDS: Record<Lang, { normal: string; unknown: string; title: string; nets: (bad: number, n: number) => string }> = {
  en: { normal: "Normal", unknown: "No data", title: "Regions at a glance", nets: (b, n) => `${b} of ${n} networks affected` },
  ru: { normal: "Норма", unknown: "Нет данных", title: "Регионы одним взглядом", nets: (b, n) => `затронуто сетей: ${b} из ${n}` },
  kk: { normal: "Қалыпты", unknown: "Дерек жоқ", title: "Өңірлерге бір көзқарас", nets: (b, n) => `зардап шеккен желілер: ${b} / ${n}` },
};

export function stateWords(state: string, lang: Lang): string {
  if (state === "normal" || state === "unknown") return WORDS[lang][state];
  const kind = PHRASES[lang].kind[state as keyof typeof PHRASES.en.kind] ?? state;
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

export function nationalTilesHtml(regions: RegionView[], lang: Lang, base: string): string {
  const tiles = [...regions].sort((a, b) => a.id.localeCompare(b.id)).map((r) => {
    const state = r.state in SYMBOL ? r.state : "unknown";
    const name = r.names[lang];
    const bad = r.networks.filter((n) => n.state !== "normal" && n.state !== "unknown").length;
    const label = `${name}: ${stateWords(r.state, lang)}`;
    return `<a class="tile state-${e(state)}" href="${e(`${base}/regions/${encodeURIComponent(r.id)}?lang=${lang}`)}" title="${e(label)}" aria-label="${e(label)}" data-region="${e(r.id)}" data-state="${e(r.state)}">` +
      `<span class="tile-name">${e(name)}</span><span class="tile-state"><span class="sym" aria-hidden="true">${SYMBOL[state]}</span> ${e(stateWords(r.state, lang))}</span>` +
      (r.networks.length > 1 && bad > 0 ? `<span class="tile-nets">${e(WORDS[lang].nets(bad, r.networks.length))}</span>` : "") + `</a>`;
  });
  return `<h2>${e(WORDS[lang].title)}</h2><nav class="tiles" data-testid="region-tiles-static">${tiles.join("")}</nav>`;
}

export function nationalTitle(lang: Lang): string {
  return WORDS[lang].title;
}
