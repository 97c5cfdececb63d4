// The dashboard's browser modules that do not touch the DOM, run directly in Node: translations,
// time formatting, chart gap/tick logic, the national tally and the citation line.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// Plain JS modules without type declarations: load them by URL and describe the parts used here.
type T = (key: string, vars?: Record<string, unknown>) => string;
const load = async <M>(rel: string): Promise<M> => (await import(pathToFileURL(join(process.cwd(), "dashboard", rel)).href)) as M;
const i18n = await load<{
  LANGS: string[];
  translator(lang: string): T;
  initialLang(storage: { getItem(k: string): string | null }, navLangs: string[]): string;
}>("i18n.js");
const format = await load<{
  stamp(iso: string, zone: string): string;
  dual(iso: string, zone: string): { utc: string; local: string };
  offsetLabel(d: Date, zone: string): string;
  duration(a: string, b: string, t?: T): string;
  percent(r: number | null, lang: string): string;
}>("format.js");
const timeline = await load<{
  withGaps(points: object[], bucketSeconds: number, pick: (p: any) => number | null): { x: number; y: number | null }[];
  timeTicks(from: number, to: number, zone: string): { ticks: { value: number }[]; daily: boolean };
}>("charts/timeline.js");
const summary = await load<{ tally(regions: { state: string }[]): { total: number; affected: number; noData: number; byKind: Record<string, number> } }>("views/summary.js");
const incidentView = await load<{ citation(inc: object, o: object): string }>("views/incident.js");

const untranslated = (lang: string): string[] => {
  // Every key the English table has must resolve in the other languages to something other than English.
  const en = i18n.translator("en");
  const t = i18n.translator(lang);
  return KEYS.filter((k) => t(k) === en(k) && !SAME_IN_ALL.has(k));
};
const KEYS = [
  "nav.overview", "nav.probes", "prefs.language", "prefs.zone", "live.sse", "live.polling", "loading", "error.load",
  "state.normal", "state.unknown", "state.full_shutdown", "state.whitelist_only", "state.service_blocking",
  "state.throttling", "state.dns_interference", "state.dark", "summary.title", "summary.affected", "summary.allNormal",
  "summary.openIncidents", "list.whitelisted", "list.non_whitelisted", "region.success", "region.throughput", "region.dns",
  "incident.lastGood", "incident.started", "incident.ended", "incident.confidence", "confidence.confirmed",
  "confidence.suspected", "incident.evidence", "incident.revisions", "incident.downloadJson", "incident.downloadCsv",
  "incident.cite", "cite.line", "cite.lineOpen", "probes.lastSeen", "probes.note", "unit.h",
];
const SAME_IN_ALL = new Set<string>(["summary.byKind", "region.chartAlt", "incident.title"]);

describe("translations", () => {
  it("has Kazakh and Russian text for every interface string", () => {
    expect(i18n.LANGS).toEqual(["kk", "ru", "en"]);
    expect(untranslated("ru")).toEqual([]);
    expect(untranslated("kk")).toEqual([]);
    const kk = i18n.translator("kk");
    const ru = i18n.translator("ru");
    // Kazakh-specific letters, so the kk table is not Russian under another name.
    expect(KEYS.map((k) => kk(k)).join(" ")).toMatch(/[әғқңөұүһі]/);
    expect(kk("state.whitelist_only")).toBe("Тек ақ тізім");
    expect(ru("state.whitelist_only")).toBe("Только белый список");
  });

  it("keeps every placeholder in every language", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const raw = (lang: string) => (k: string) => i18n.translator(lang)(k, {}); // unknown vars stay as {name}
    for (const k of KEYS) {
      const want = placeholders(raw("en")(k));
      expect(placeholders(raw("ru")(k)), `ru ${k}`).toEqual(want);
      expect(placeholders(raw("kk")(k)), `kk ${k}`).toEqual(want);
    }
  });

  it("fills variables and falls back to the key for unknown strings", () => {
    const t = i18n.translator("en");
    expect(t("summary.affected", { n: 3, total: 20 })).toBe("3 of 20 regions affected");
    expect(i18n.translator("ru")("summary.affected", { n: 3, total: 20 })).toBe("Регионов с нарушениями: 3 из 20");
    expect(t("no.such.key")).toBe("no.such.key");
  });

  it("starts from the saved choice, else the browser's language, else Russian", () => {
    const store = (v: string | null) => ({ getItem: () => v });
    expect(i18n.initialLang(store("kk"), ["en-GB"])).toBe("kk");
    expect(i18n.initialLang(store("xx"), ["en-GB"])).toBe("en");
    expect(i18n.initialLang(store(null), ["de-DE", "kk-KZ"])).toBe("kk");
    expect(i18n.initialLang(store(null), ["de-DE"])).toBe("ru");
  });
});

describe("time formatting", () => {
  it("shows UTC and the zone's offset at that instant (Kazakhstan moved to UTC+5 in March 2024)", () => {
    expect(format.dual("2024-01-05T13:02:00Z", "Asia/Almaty")).toEqual({ utc: "2024-01-05 13:02:00 UTC", local: "2024-01-05 19:02:00 UTC+6" });
    expect(format.dual("2024-06-05T13:02:00Z", "Asia/Almaty")).toEqual({ utc: "2024-06-05 13:02:00 UTC", local: "2024-06-05 18:02:00 UTC+5" });
    expect(format.dual("2024-06-05T13:02:00Z", "UTC").local).toBe("");
    expect(format.offsetLabel(new Date("2024-06-05T00:00:00Z"), "Asia/Kolkata")).toBe("UTC+5:30");
  });

  it("formats durations and ratios", () => {
    expect(format.duration("2024-01-05T13:02:00Z", "2024-01-05T18:40:00Z")).toBe("5 h 38 m");
    expect(format.duration("2024-01-05T13:02:00Z", "2024-01-07T13:03:00Z")).toBe("2 d 1 m");
    expect(format.duration("2024-01-05T13:02:00Z", "2024-01-05T18:40:00Z", i18n.translator("kk"))).toBe("5 сағ 38 мин");
    expect(format.percent(null, "en")).toBe("—");
    expect(format.percent(0.5, "en")).toBe("50%");
  });
});

describe("chart helpers", () => {
  const pt = (iso: string, v: number | null, samples = 6) => ({ t: iso, whitelisted: v, samples });

  it("drops empty buckets and breaks the line only where measurements stopped", () => {
    const points = [
      pt("2024-01-05T10:00:00Z", 1), pt("2024-01-05T10:01:00Z", null, 0), pt("2024-01-05T10:05:00Z", 1),
      pt("2024-01-05T10:10:00Z", 1), pt("2024-01-05T10:15:00Z", 0.5),
      // 45 minutes without data, then measurements again
      pt("2024-01-05T11:00:00Z", 1), pt("2024-01-05T11:05:00Z", 1),
    ];
    const out = timeline.withGaps(points, 60, (p) => p.whitelisted);
    expect(out.map((p) => p.y)).toEqual([1, 1, 1, 0.5, null, 1, 1]);
    expect(out[4]!.x).toBe(Date.parse("2024-01-05T10:20:00Z"));
  });

  it("puts ticks on round local hours of the chosen zone", () => {
    const from = Date.parse("2024-06-05T00:17:00Z");
    const to = from + 24 * 3_600_000;
    const almaty = timeline.timeTicks(from, to, "Asia/Almaty");
    expect(almaty.ticks.length).toBe(8);
    for (const { value } of almaty.ticks) expect((new Date(value).getUTCHours() + 5) % 3).toBe(0);
    const kolkata = timeline.timeTicks(from, to, "Asia/Kolkata");
    for (const { value } of kolkata.ticks) expect(new Date(value).getUTCMinutes()).toBe(30);
    expect(timeline.timeTicks(from, from + 7 * 86_400_000, "Asia/Almaty").daily).toBe(true);
  });
});

describe("summary and citation", () => {
  it("counts affected regions by kind, apart from regions without data", () => {
    const c = summary.tally([
      { state: "whitelist_only" }, { state: "whitelist_only" }, { state: "full_shutdown" },
      { state: "normal" }, { state: "unknown" },
    ]);
    expect(c).toEqual({ total: 5, affected: 3, noData: 1, byKind: { whitelist_only: 2, full_shutdown: 1 } });
  });

  it("writes a citation line with local times, the zone's offset and the permalink", () => {
    const inc = {
      id: "kz-47-abc", kind: "whitelist_only", confidence: "confirmed",
      startedAt: "2024-06-05T13:02:00Z", endedAt: "2024-06-05T18:40:00Z",
    };
    const ctx = { t: i18n.translator("en"), zone: "Asia/Almaty" };
    const line = incidentView.citation(inc, { regionName: "Mangystau Region", where: "Kcell (mobile)", url: "https://kw.example/incidents/kz-47-abc", ctx });
    expect(line).toMatch(
      /^Whitelist only on Kcell \(mobile\) in Mangystau Region, from 2024-06-05 13:02:00 UTC \(2024-06-05 18:02:00 UTC\+5\) to 2024-06-05 18:40:00 UTC \(2024-06-05 23:40:00 UTC\+5\); confirmed\. KeepWatch incident kz-47-abc, https:\/\/kw\.example\/incidents\/kz-47-abc \(retrieved \d{4}-\d{2}-\d{2}\)\.$/,
    );
    const ru = incidentView.citation({ ...inc, endedAt: null }, { regionName: "Мангистауская область", where: "Kcell", url: "u", ctx: { t: i18n.translator("ru"), zone: "Asia/Almaty" } });
    expect(ru).toContain("с 2024-06-05 13:02:00 UTC (2024-06-05 18:02:00 UTC+5) по настоящее время; подтверждено");
  });
});

describe("counted words and evidence", () => {
  it("chooses forms by Intl.PluralRules", () => {
    const ru = i18n.translator("ru");
    expect(ru("incident.more", { n: 1 })).toBe("и ещё 1 измерение");
    expect(ru("incident.more", { n: 3 })).toBe("и ещё 3 измерения");
    expect(ru("incident.more", { n: 11 })).toBe("и ещё 11 измерений");
    expect(ru("incident.more", { n: 21 })).toBe("и ещё 21 измерение");
    expect(i18n.translator("en")("incident.more", { n: 1 })).toBe("and 1 more measurement");
    expect(i18n.translator("kk")("incident.more", { n: 5 })).toBe("тағы 5 өлшем");
  });

  it("labels evidence keys in words and shows shares as percentages", async () => {
    const ev = await load<{ evidenceLabel(k: string, l: string): string; evidenceValue(k: string, v: number, l: string): string }>("i18n-evidence.js");
    expect(ev.evidenceLabel("badWindows", "ru")).toBe("Интервалы с нарушением");
    expect(ev.evidenceLabel("someNewKey", "en")).toBe("Some New Key");
    expect(ev.evidenceLabel("throughputRatio", "kk")).toBe("Жылдамдық әдеттегіге қатысты");
    expect(ev.evidenceLabel("throughputRatio", "xx")).toBe("Speed compared with usual"); // unknown language: English
    // Keys and languages that name an Object.prototype member are not labels.
    expect(ev.evidenceLabel("toString", "en")).toBe("To String");
    expect(ev.evidenceLabel("badWindows", "constructor")).toBe("Windows judged abnormal");
    expect(ev.evidenceValue("throughputUsual", 1_250_000, "ru")).toBe("10 Мбит/с");
    expect(ev.evidenceValue("whitelistedObserved", 0.9666, "en")).toBe("96.7%");
    expect(ev.evidenceValue("tlsHandshakeRatio", 2.345, "en")).toBe("×2.3");
    expect(ev.evidenceValue("throughputUsual", 1_250_000, "en")).toBe("10 Mbit/s");
    expect(ev.evidenceValue("badWindows", 3, "kk")).toBe("3");
  });

  it("writes Kazakh chart dates with month names", async () => {
    const f = await load<{ dayMonth(d: Date, z: string, l: string): string }>("format.js");
    expect(f.dayMonth(new Date("2026-12-01T10:00:00Z"), "Asia/Almaty", "kk")).toBe("1 жел.");
    expect(f.dayMonth(new Date("2026-01-31T20:00:00Z"), "Asia/Almaty", "kk")).toBe("1 ақп.");
  });
});
