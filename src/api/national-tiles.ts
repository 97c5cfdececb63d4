// The overview's tile grid as server-rendered HTML, for readers without JavaScript (the <noscript> of "/")
// and link previews: the same classes as the dashboard's tiles (dashboard/views/tiles.js), so styles.css
// colours, hatches and sizes them alike. Every value is escaped here.
import type { RegionView } from "../views/region-view.js";
import { escapeHtml as e } from "./share-page.js";

type Lang = "kk" | "ru" | "en";

// The dashboard palette's symbols (dashboard/palette.js).
const SYMBOL: Record<string, string> = {
  normal: "✓", unknown: "?", whitelist_only: "◐", full_shutdown: "✕", service_blocking: "⊘", throttling: "≈", dns_interference: "⌁", dark: "■",
};
// The dashboard's state words (dashboard/i18n.js "state.*"), so the tile reads the same with or without JavaScript.
const STATE_WORDS: Record<Lang, Record<string, string>> = {
  en: { normal: "Normal", unknown: "No data", full_shutdown: "Full shutdown", whitelist_only: "Whitelist only", service_blocking: "Service blocking", throttling: "Throttling", dns_interference: "DNS interference", dark: "Dark (probes silent)" },
  ru: { normal: "Норма", unknown: "Нет данных", full_shutdown: "Полное отключение", whitelist_only: "Только белый список", service_blocking: "Блокировка сервисов", throttling: "Замедление", dns_interference: "Вмешательство в DNS", dark: "Нет связи с зондами" },
  kk: { normal: "Қалыпты", unknown: "Дерек жоқ", full_shutdown: "Толық өшіру", whitelist_only: "Тек ақ тізім", service_blocking: "Сервистерді бұғаттау", throttling: "Жылдамдықты шектеу", dns_interference: "DNS-ке араласу", dark: "Зондтармен байланыс жоқ" },
};
const WORDS: Record<Lang, { title: string; nets: (bad: number, n: number) => string }> = {
  en: { title: "Regions at a glance", nets: (b, n) => `${b} of ${n} networks affected` },
  ru: { title: "Регионы одним взглядом", nets: (b, n) => `затронуто сетей: ${b} из ${n}` },
  kk: { title: "Өңірлерге бір көзқарас", nets: (b, n) => `зардап шеккен желілер: ${b} / ${n}` },
};

export function stateWords(state: string, lang: Lang): string {
  return STATE_WORDS[lang][state] ?? STATE_WORDS[lang].unknown!;
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
