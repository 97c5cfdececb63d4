// Times are shown twice: in UTC (what the API speaks and what a citation needs) and in the chosen zone.
const ZONE_KEY = "keepwatch.zone";

/** Zones offered in the picker: Kazakhstan's, the neighbours journalists compare with, and UTC. */
export const ZONES = ["Asia/Almaty", "Asia/Qyzylorda", "Asia/Aqtau", "Europe/Moscow", "Asia/Bishkek", "Asia/Tashkent", "UTC"];

export function isZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function initialZone(serverZone, storage = globalThis.localStorage) {
  const saved = storage?.getItem(ZONE_KEY);
  if (saved && isZone(saved)) return saved;
  return serverZone && isZone(serverZone) ? serverZone : "Asia/Almaty";
}

export function saveZone(zone, storage = globalThis.localStorage) {
  storage?.setItem(ZONE_KEY, zone);
}

const LOCALES = { kk: "kk-KZ", ru: "ru-RU", en: "en-GB" };

function parts(date, zone) {
  const f = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return p;
}

/** "UTC+5", "UTC" — the zone's offset at that instant (it changes with DST and with law, e.g. KZ 2024). */
export function offsetLabel(date, zone) {
  const name = new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "shortOffset" })
    .formatToParts(date)
    .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  return name.replace("GMT", "UTC");
}

/** "2024-01-05 18:02" in the zone (ISO-like, unambiguous in every language). */
export function stamp(iso, zone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const p = parts(d, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "HH:MM" in the zone. */
export function clock(iso, zone) {
  const p = parts(new Date(iso), zone);
  return `${p.hour}:${p.minute}`;
}

/** "2024-01-05 18:02:07" in the zone: to the second, so a short incident's start and end stay apart. */
export function stampSeconds(iso, zone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const p = parts(d, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Both readings of one instant: { utc: "2024-01-05 13:02:07 UTC", local: "2024-01-05 18:02:07 UTC+5" }. */
export function dual(iso, zone) {
  if (!iso) return { utc: "—", local: "" };
  const d = new Date(iso);
  return { utc: `${stampSeconds(iso, "UTC")} UTC`, local: zone === "UTC" ? "" : `${stampSeconds(iso, zone)} ${offsetLabel(d, zone)}` };
}

/** "1 Dec" / "1 дек." / "1 жел.": Kazakh month names spelled out here, as some ICU builds print "М12". */
const KK_MONTHS = ["қаң.", "ақп.", "нау.", "сәу.", "мам.", "мау.", "шіл.", "там.", "қыр.", "қаз.", "қар.", "жел."];
export function dayMonth(date, zone, lang) {
  if (lang === "kk") {
    const p = parts(date, zone);
    return `${Number(p.day)} ${KK_MONTHS[Number(p.month) - 1]}`;
  }
  return new Intl.DateTimeFormat(LOCALES[lang] ?? "en-GB", { timeZone: zone, day: "numeric", month: "short" }).format(date);
}

export function duration(fromIso, toIso, t = (k) => ({ "unit.d": "d", "unit.h": "h", "unit.m": "m" })[k]) {
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (!(ms >= 0)) return "—";
  const min = Math.round(ms / 60000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  return [d ? `${d} ${t("unit.d")}` : "", h ? `${h} ${t("unit.h")}` : "", `${m} ${t("unit.m")}`].filter(Boolean).join(" ");
}

export function ago(iso, t, now = Date.now()) {
  const min = Math.floor((now - new Date(iso).getTime()) / 60000);
  if (min < 1) return t("ago.justNow");
  if (min < 60) return t("ago.min", { n: min });
  if (min < 2880) return t("ago.h", { n: Math.floor(min / 60) });
  return t("ago.d", { n: Math.floor(min / 1440) });
}

export function percent(ratio, lang) {
  if (ratio === null || ratio === undefined) return "—";
  return new Intl.NumberFormat(LOCALES[lang] ?? "en-GB", { style: "percent", maximumFractionDigits: 0 }).format(ratio);
}

export function number(n, lang, digits = 1) {
  if (n === null || n === undefined) return "—";
  return new Intl.NumberFormat(LOCALES[lang] ?? "en-GB", { maximumFractionDigits: digits }).format(n);
}
