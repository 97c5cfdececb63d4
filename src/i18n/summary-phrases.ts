// Summary sentences per language. Each gets the incident's facts already localised (names, percentages,
// times) and picks word forms by Intl.PluralRules' category, never by its own arithmetic.
import type { IncidentKind } from "../incident.js";

export type Language = "kk" | "ru" | "en";

export interface SummaryFacts {
  region: string;
  /** Network name, or null for the whole region. */
  network: string | null;
  /** Service names of the targets (at most five), and how many more there are. */
  names: string[];
  moreNames: number;
  targetCount: number;
  figures: Readonly<Record<string, number>>;
  percent: (ratio: number | undefined) => string;
  plural: (n: number) => Intl.LDMLPluralRule;
  start: string;
  end: string | null;
  /** When the detector withdrew the incident (UTC and local), or null. */
  withdrawn: string | null;
}

interface SummaryPhrases {
  locale: string;
  sentence: (kind: IncidentKind, f: SummaryFacts) => string;
  /** Said first when the incident was withdrawn: a quoted sentence must not read as a standing finding. */
  withdrawn: (at: string) => string;
  /** One word for titles: "Withdrawn". */
  withdrawnLabel: string;
}

type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
const pick = (forms: Forms, rule: Intl.LDMLPluralRule) => forms[rule] ?? forms.other;

function list(f: SummaryFacts, and: string, more: (n: number) => string): string {
  if (f.names.length === 0) return "";
  return f.moreNames > 0 ? `${f.names.join(", ")} ${and} ${more(f.moreNames)}` : f.names.join(", ");
}

const fig = (f: SummaryFacts, ...keys: string[]) => keys.map((k) => f.figures[k]).find((v) => v !== undefined);

const en: SummaryPhrases = {
  withdrawnLabel: "Withdrawn",
  withdrawn: (at) => `Withdrawn on ${at}: later measurements do not support it.`,
  locale: "en-GB",
  sentence(kind, f) {
    const where = f.network ? `${f.network} in ${f.region}` : `all networks in ${f.region}`;
    const sites = (n: number) => `${n} ${pick({ one: "site", other: "sites" }, f.plural(n))}`;
    const named = list(f, "and", sites);
    const what = {
      full_shutdown: `Full shutdown on ${where}: every tested site, whitelisted ones included, was unreachable (${f.percent(fig(f, "nonWhitelistedObserved", "whitelistedObserved"))} success against a usual ${f.percent(fig(f, "nonWhitelistedUsual", "whitelistedUsual"))})`,
      whitelist_only: `Whitelist-only access on ${where}: whitelisted services kept working (${f.percent(fig(f, "whitelistedObserved"))} success) while other sites failed (${f.percent(fig(f, "nonWhitelistedObserved"))} against a usual ${f.percent(fig(f, "nonWhitelistedUsual"))})${named ? `; unreachable: ${named}` : ""}`,
      service_blocking: `${sites(f.targetCount)} blocked on ${where}${named ? ` (${named})` : ""} while other sites kept working`,
      dns_interference: `DNS on ${where} returned false answers for ${sites(f.targetCount)}${named ? ` (${named})` : ""}`,
      throttling: `Sites on ${where} stayed reachable but were throttled${fig(f, "throughputRatio") !== undefined ? `: download speed fell to ${f.percent(fig(f, "throughputRatio"))} of usual` : ""}`,
      dark: `Every probe in ${f.region} fell silent while other regions kept reporting`,
    }[kind];
    return `${what}; ${f.end ? `from ${f.start} to ${f.end}` : `since ${f.start}, ongoing`}.`;
  },
};

const ru: SummaryPhrases = {
  withdrawnLabel: "Отозвано",
  withdrawn: (at) => `Отозвано ${at}: более поздние измерения это не подтверждают.`,
  locale: "ru-RU",
  sentence(kind, f) {
    const where = f.network ? `в сети ${f.network} (${f.region})` : `во всех сетях региона ${f.region}`;
    const sites = (n: number) => `${n} ${pick({ one: "сайт", few: "сайта", many: "сайтов", other: "сайта" }, f.plural(n))}`;
    const named = list(f, "и ещё", sites);
    const what = {
      full_shutdown: `Полное отключение ${where}: недоступны все проверенные сайты, включая белый список (${f.percent(fig(f, "nonWhitelistedObserved", "whitelistedObserved"))} успешных проверок при обычных ${f.percent(fig(f, "nonWhitelistedUsual", "whitelistedUsual"))})`,
      whitelist_only: `Доступ только по белому списку ${where}: сервисы из белого списка работали (${f.percent(fig(f, "whitelistedObserved"))} успешных проверок), остальные сайты — нет (${f.percent(fig(f, "nonWhitelistedObserved"))} при обычных ${f.percent(fig(f, "nonWhitelistedUsual"))})${named ? `; недоступны: ${named}` : ""}`,
      service_blocking: `Заблокировано ${sites(f.targetCount)} ${where}${named ? ` (${named})` : ""}, остальные сайты работали`,
      dns_interference: `DNS ${where} давал ложные ответы для ${f.targetCount} ${pick({ one: "сайта", other: "сайтов" }, f.plural(f.targetCount))}${named ? ` (${named})` : ""}`,
      throttling: `Сайты ${where} были доступны, но замедлены${fig(f, "throughputRatio") !== undefined ? `: скорость загрузки упала до ${f.percent(fig(f, "throughputRatio"))} от обычной` : ""}`,
      dark: `Все зонды в регионе ${f.region} замолчали, хотя другие регионы продолжали присылать данные`,
    }[kind];
    return `${what}; ${f.end ? `с ${f.start} по ${f.end}` : `с ${f.start}, продолжается`}.`;
  },
};

// Kazakh nouns do not change after a numeral ("5 сайт"), which Intl.PluralRules("kk") also says (one/other
// differ only without a numeral), so the form is fixed here.
const kk: SummaryPhrases = {
  withdrawnLabel: "Кері алынды",
  withdrawn: (at) => `${at} кері алынды: кейінгі өлшемдер мұны растамайды.`,
  locale: "kk-KZ",
  sentence(kind, f) {
    const where = f.network ? `${f.region}, ${f.network} желісінде` : `${f.region}, барлық желілерде`;
    const sites = (n: number) => `${n} сайт`;
    const named = list(f, "және тағы", sites);
    const what = {
      full_shutdown: `Интернет толық өшірілді (${where}): ақ тізімдегілерді қоса, тексерілген сайттардың бәрі қолжетімсіз болды (әдеттегі ${f.percent(fig(f, "nonWhitelistedUsual", "whitelistedUsual"))} орнына ${f.percent(fig(f, "nonWhitelistedObserved", "whitelistedObserved"))} сәтті тексеру)`,
      whitelist_only: `Тек ақ тізім бойынша қолжетімділік (${where}): ақ тізімдегі қызметтер жұмыс істеді (${f.percent(fig(f, "whitelistedObserved"))} сәтті), басқа сайттар істемеді (әдеттегі ${f.percent(fig(f, "nonWhitelistedUsual"))} орнына ${f.percent(fig(f, "nonWhitelistedObserved"))})${named ? `; қолжетімсіз: ${named}` : ""}`,
      service_blocking: `${sites(f.targetCount)} бұғатталды (${where})${named ? `: ${named}` : ""}, басқа сайттар жұмыс істеді`,
      dns_interference: `DNS ${sites(f.targetCount)} үшін жалған жауап берді (${where})${named ? `: ${named}` : ""}`,
      throttling: `Сайттар қолжетімді болды, бірақ баяулатылды (${where})${fig(f, "throughputRatio") !== undefined ? `: жүктеу жылдамдығы әдеттегінің ${f.percent(fig(f, "throughputRatio"))} деңгейіне түсті` : ""}`,
      dark: `${f.region} өңіріндегі барлық зондтар үнсіз қалды, ал басқа өңірлер дерек жіберіп тұрды`,
    }[kind];
    return `${what}; ${f.end ? `${f.start} – ${f.end}` : `${f.start} бастап, әлі жалғасуда`}.`;
  },
};

export const SUMMARY_PHRASES: Record<Language, SummaryPhrases> = { kk, ru, en };
