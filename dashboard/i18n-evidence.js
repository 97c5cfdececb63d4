// Evidence keys (incident.evidence.counts and .figures) as words in each language, and how each figure
// reads: a share as a percentage, a speed in Mbit/s, a time in seconds, a ratio of times as "×2.3".

// Each language's number locale and units, and its column in LABELS below.
const LANGUAGES = {
  en: { column: 0, locale: "en-GB", s: "s", mbit: "Mbit/s" },
  ru: { column: 1, locale: "ru-RU", s: "с", mbit: "Мбит/с" },
  kk: { column: 2, locale: "kk-KZ", s: "с", mbit: "Мбит/с" },
};

// One row per evidence key: [en, ru, kk], so a key added without its translations stands out.
const LABELS = {
  badWindows: ["Windows judged abnormal", "Интервалы с нарушением", "Бұзылыс анықталған аралықтар"],
  measurements: ["Measurements in those windows", "Измерения в этих интервалах", "Сол аралықтардағы өлшемдер"],
  failures: ["Failed measurements", "Неуспешные измерения", "Сәтсіз өлшемдер"],
  siteOutagesLeftOut: ["Sites down everywhere (left out)", "Сайты, недоступные везде (не учтены)", "Барлық жерде істемеген сайттар (есептелмеді)"],
  measurementIds: ["Measurements behind the verdict", "Измерения, на которых основан вывод", "Қорытынды негізделген өлшемдер"],
  othersReporting: ["Other regions still reporting", "Другие регионы на связи", "Байланыстағы басқа өңірлер"],
  whitelistedObserved: ["Whitelisted sites: success during the incident", "Белый список: успешных проверок во время инцидента", "Ақ тізім: оқиға кезіндегі сәтті тексерулер"],
  whitelistedUsual: ["Whitelisted sites: usual success", "Белый список: обычно успешных", "Ақ тізім: әдеттегі сәтті тексерулер"],
  nonWhitelistedObserved: ["Other sites: success during the incident", "Прочие сайты: успешных во время инцидента", "Басқа сайттар: оқиға кезіндегі сәтті тексерулер"],
  nonWhitelistedUsual: ["Other sites: usual success", "Прочие сайты: обычно успешных", "Басқа сайттар: әдеттегі сәтті тексерулер"],
  blockedObserved: ["Blocked sites: success during the incident", "Заблокированные сайты: успешных во время инцидента", "Бұғатталған сайттар: оқиға кезінде сәтті"],
  blockedUsual: ["Blocked sites: usual success", "Заблокированные сайты: обычно успешных", "Бұғатталған сайттар: әдетте сәтті"],
  restObserved: ["Remaining sites: success", "Остальные сайты: успешных", "Қалған сайттар: сәтті"],
  throughputObserved: ["Download speed during the incident", "Скорость загрузки во время инцидента", "Оқиға кезіндегі жүктеу жылдамдығы"],
  throughputUsual: ["Usual download speed", "Обычная скорость загрузки", "Әдеттегі жүктеу жылдамдығы"],
  throughputRatio: ["Speed compared with usual", "Скорость относительно обычной", "Жылдамдық әдеттегіге қатысты"],
  tlsHandshakeObserved: ["Secure connection set-up during the incident", "Установка защищённого соединения во время инцидента", "Оқиға кезінде қорғалған байланыс орнату"],
  tlsHandshakeUsual: ["Usual secure connection set-up", "Обычная установка защищённого соединения", "Әдеттегі қорғалған байланыс орнату"],
  tlsHandshakeRatio: ["Set-up time compared with usual", "Время установки относительно обычного", "Орнату уақыты әдеттегіге қатысты"],
  judgedTargets: ["Sites judged", "Проверено сайтов", "Тексерілген сайттар"],
  siteOutages: ["Sites down everywhere", "Сайты, недоступные везде", "Барлық жерде істемеген сайттар"],
  blockedTargets: ["Blocked sites", "Заблокированные сайты", "Бұғатталған сайттар"],
  dnsShare: ["Share of failures in DNS", "Доля сбоев DNS", "DNS ақауларының үлесі"],
  failRatio: ["Failure share", "Доля сбоев", "Ақаулар үлесі"],
  silentSeconds: ["Silence", "Молчание", "Үнсіздік"],
  whitelisted: ["Whitelisted", "Белый список", "Ақ тізім"],
  other: ["Other", "Прочие", "Басқалар"],
};

/** A language we do not know reads as English. */
const languageOf = (lang) => (Object.hasOwn(LANGUAGES, lang ?? "") ? LANGUAGES[lang] : LANGUAGES.en);

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
  if (Object.hasOwn(LABELS, key)) return LABELS[key][languageOf(lang).column];
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
}

export function evidenceValue(key, value, lang) {
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value);
  const language = languageOf(lang);
  const locale = language.locale;
  const num = (v, d) => new Intl.NumberFormat(locale, { maximumFractionDigits: d }).format(v);
  switch (figureKind(key)) {
    case "percent": return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(value);
    case "times": return `×${num(value, 1)}`;
    case "speed": return `${num((value * 8) / 1e6, 2)} ${language.mbit}`;
    case "seconds": return `${num(value, 2)} ${language.s}`;
    default: return num(value, 2);
  }
}
