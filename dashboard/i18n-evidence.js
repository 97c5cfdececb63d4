// Evidence keys (incident.evidence.counts and .figures) as words in each language, and how each figure
// reads: a share as a percentage, a speed in Mbit/s, a time in seconds, a ratio of times as "×2.3".
const LABELS = {
  en: {
    badWindows: "Windows judged abnormal", measurements: "Measurements in those windows", failures: "Failed measurements",
    siteOutagesLeftOut: "Sites down everywhere (left out)", measurementIds: "Measurements behind the verdict", othersReporting: "Other regions still reporting",
    whitelistedObserved: "Whitelisted sites: success during the incident", whitelistedUsual: "Whitelisted sites: usual success",
    nonWhitelistedObserved: "Other sites: success during the incident", nonWhitelistedUsual: "Other sites: usual success",
    blockedObserved: "Blocked sites: success during the incident", blockedUsual: "Blocked sites: usual success", restObserved: "Remaining sites: success",
    throughputObserved: "Download speed during the incident", throughputUsual: "Usual download speed", throughputRatio: "Speed compared with usual",
    tlsHandshakeObserved: "Secure connection set-up during the incident", tlsHandshakeUsual: "Usual secure connection set-up", tlsHandshakeRatio: "Set-up time compared with usual",
    judgedTargets: "Sites judged", siteOutages: "Sites down everywhere", blockedTargets: "Blocked sites", dnsShare: "Share of failures in DNS", failRatio: "Failure share",
    silentSeconds: "Silence", whitelisted: "Whitelisted", other: "Other",
  },
  ru: {
    badWindows: "Интервалы с нарушением", measurements: "Измерения в этих интервалах", failures: "Неуспешные измерения",
    siteOutagesLeftOut: "Сайты, недоступные везде (не учтены)", measurementIds: "Измерения, на которых основан вывод", othersReporting: "Другие регионы на связи",
    whitelistedObserved: "Белый список: успешных проверок во время инцидента", whitelistedUsual: "Белый список: обычно успешных",
    nonWhitelistedObserved: "Прочие сайты: успешных во время инцидента", nonWhitelistedUsual: "Прочие сайты: обычно успешных",
    blockedObserved: "Заблокированные сайты: успешных во время инцидента", blockedUsual: "Заблокированные сайты: обычно успешных", restObserved: "Остальные сайты: успешных",
    throughputObserved: "Скорость загрузки во время инцидента", throughputUsual: "Обычная скорость загрузки", throughputRatio: "Скорость относительно обычной",
    tlsHandshakeObserved: "Установка защищённого соединения во время инцидента", tlsHandshakeUsual: "Обычная установка защищённого соединения", tlsHandshakeRatio: "Время установки относительно обычного",
    judgedTargets: "Проверено сайтов", siteOutages: "Сайты, недоступные везде", blockedTargets: "Заблокированные сайты", dnsShare: "Доля сбоев DNS", failRatio: "Доля сбоев",
    silentSeconds: "Молчание", whitelisted: "Белый список", other: "Прочие",
  },
  kk: {
    badWindows: "Бұзылыс анықталған аралықтар", measurements: "Сол аралықтардағы өлшемдер", failures: "Сәтсіз өлшемдер",
    siteOutagesLeftOut: "Барлық жерде істемеген сайттар (есептелмеді)", measurementIds: "Қорытынды негізделген өлшемдер", othersReporting: "Байланыстағы басқа өңірлер",
    whitelistedObserved: "Ақ тізім: оқиға кезіндегі сәтті тексерулер", whitelistedUsual: "Ақ тізім: әдеттегі сәтті тексерулер",
    nonWhitelistedObserved: "Басқа сайттар: оқиға кезіндегі сәтті тексерулер", nonWhitelistedUsual: "Басқа сайттар: әдеттегі сәтті тексерулер",
    blockedObserved: "Бұғатталған сайттар: оқиға кезінде сәтті", blockedUsual: "Бұғатталған сайттар: әдетте сәтті", restObserved: "Қалған сайттар: сәтті",
    throughputObserved: "Оқиға кезіндегі жүктеу жылдамдығы", throughputUsual: "Әдеттегі жүктеу жылдамдығы", throughputRatio: "Жылдамдық әдеттегіге қатысты",
    tlsHandshakeObserved: "Оқиға кезінде қорғалған байланыс орнату", tlsHandshakeUsual: "Әдеттегі қорғалған байланыс орнату", tlsHandshakeRatio: "Орнату уақыты әдеттегіге қатысты",
    judgedTargets: "Тексерілген сайттар", siteOutages: "Барлық жерде істемеген сайттар", blockedTargets: "Бұғатталған сайттар", dnsShare: "DNS ақауларының үлесі", failRatio: "Ақаулар үлесі",
    silentSeconds: "Үнсіздік", whitelisted: "Ақ тізім", other: "Басқалар",
  },
};

const LOCALES = { kk: "kk-KZ", ru: "ru-RU", en: "en-GB" };
const UNITS = { en: { s: "s", mbit: "Mbit/s" }, ru: { s: "с", mbit: "Мбит/с" }, kk: { s: "с", mbit: "Мбит/с" } };

/** How a figure reads, by its key: share, times ratio, speed, seconds or a plain count. */
export function figureKind(key) {
  if (/^tlsHandshakeRatio$|^tlsRatio$/.test(key)) return "times";
  if (/Observed$|Usual$|Ratio$|Share$|^tpRatio$/.test(key) && !/^throughput(Observed|Usual)$|^tlsHandshake(Observed|Usual)$/.test(key)) return "percent";
  if (/^throughput(Observed|Usual)$/.test(key)) return "speed";
  if (/^tlsHandshake(Observed|Usual)$|Seconds$/.test(key)) return "seconds";
  return "count";
}

/** The evidence key in words; a key we do not know reads as spaced words, never as raw camelCase. */
export function evidenceLabel(key, lang) {
  return LABELS[lang]?.[key] ?? LABELS.en[key] ?? key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
}

export function evidenceValue(key, value, lang) {
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value);
  const locale = LOCALES[lang] ?? "en-GB";
  const num = (v, d) => new Intl.NumberFormat(locale, { maximumFractionDigits: d }).format(v);
  const u = UNITS[lang] ?? UNITS.en;
  switch (figureKind(key)) {
    case "percent": return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(value);
    case "times": return `×${num(value, 1)}`;
    case "speed": return `${num((value * 8) / 1e6, 2)} ${u.mbit}`;
    case "seconds": return `${num(value, 2)} ${u.s}`;
    default: return num(value, 2);
  }
}
