// Incident summaries per language from the incident's fields: service names instead of URLs, network names
// instead of ids, times to the second in UTC and the local zone, and word forms from Intl.PluralRules.
import { describe, expect, it } from "vitest";
import { INCIDENT_KINDS, WITHDRAWN } from "../../src/incident.js";
import { messageContextFromConfig, renderAlertMessage } from "../../src/alerts/messages.js";
import { alertEventFromIncidentEvent } from "../../src/alerts/event.js";
import { targetNames } from "../../src/config/target-names.js";
import { LANGUAGES, renderIncidentSummary, utcAndLocalToSecond, type SummaryContext } from "../../src/i18n/incident-summary.js";
import { incident, testConfig } from "../alerts/fixtures.js";

const config = testConfig();
const ctx: SummaryContext = { regions: config.regions, networks: config.networks, timezone: "Asia/Almaty", targetNames: targetNames(config) };
const LATIN_WORD = /\b[a-z]{4,}\b/; // an English word left in a Kazakh or Russian sentence

describe("incident summaries", () => {
  it("reads in kk, ru and en for every kind, with the region's and network's names, never their ids", () => {
    for (const kind of INCIDENT_KINDS) {
      const inc = incident({ kind, startedAt: "2026-12-01T19:01:05.000Z", endedAt: "2026-12-01T19:06:41.000Z", status: "closed",
        evidence: { measurementIds: [], counts: {}, probes: [], networks: [], figures: { whitelistedObserved: 0.97, nonWhitelistedObserved: 0, nonWhitelistedUsual: 0.98, throughputRatio: 0.12 } } });
      for (const lang of LANGUAGES) {
        const s = renderIncidentSummary(inc, lang, ctx);
        expect(s, `${kind} ${lang}`).toContain(config.regions[0]!.names[lang]);
        if (kind !== "dark") expect(s, `${kind} ${lang}`).toContain("Kcell (mobile)");
        expect(s).not.toContain("kcell-mobile");
        expect(s).not.toContain("KZ-47");
        // To the second: a 5-minute incident's start and end cannot collapse into one minute.
        expect(s).toContain("2026-12-01 19:01:05 UTC (2026-12-02 00:01:05 UTC+5)");
        expect(s).toContain("2026-12-01 19:06:41 UTC");
        if (lang !== "en") expect(s.replace(/UTC/g, "").replace(/Kcell|mobile/g, ""), `${kind} ${lang}: ${s}`).not.toMatch(LATIN_WORD);
      }
    }
  });

  it("names the services from whitelist/ and shows figures as percentages", () => {
    const inc = incident({ kind: "whitelist_only", targets: ["https://web.telegram.org/", "https://www.instagram.com/", "list:non_whitelisted"],
      evidence: { measurementIds: [], counts: {}, probes: [], networks: [], figures: { whitelistedObserved: 0.966666, nonWhitelistedObserved: 0.0333, nonWhitelistedUsual: 0.98 } } });
    const en = renderIncidentSummary(inc, "en", ctx);
    expect(en).toMatch(/unreachable: [^;]*Instagram/);
    expect(en).not.toContain("https://");
    expect(en).toContain("97%");
    expect(en).toContain("3%");
    expect(renderIncidentSummary(inc, "ru", ctx)).toMatch(/97\s?%/);
  });

  it("picks Russian and English plural forms by Intl.PluralRules", () => {
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://site${i}.example/`);
    const ru = (n: number) => renderIncidentSummary(incident({ kind: "service_blocking", targets: urls(n) }), "ru", ctx);
    expect(ru(1)).toContain("Заблокировано 1 сайт ");
    expect(ru(3)).toContain("Заблокировано 3 сайта ");
    expect(ru(5)).toContain("Заблокировано 5 сайтов ");
    expect(ru(21)).toContain("Заблокировано 21 сайт ");
    expect(ru(7)).toContain("и ещё 2 сайта"); // five names shown, the rest counted
    const en = (n: number) => renderIncidentSummary(incident({ kind: "service_blocking", targets: urls(n) }), "en", ctx);
    expect(en(1)).toMatch(/^1 site blocked/);
    expect(en(2)).toMatch(/^2 sites blocked/);
  });

  it("says an open incident is ongoing, and handles a zone equal to UTC", () => {
    const inc = incident({ kind: "full_shutdown", endedAt: null, status: "open", startedAt: "2026-01-05T13:02:09.000Z" });
    expect(renderIncidentSummary(inc, "en", ctx)).toMatch(/since 2026-01-05 13:02:09 UTC \(18:02:09 UTC\+5\), ongoing\.$/);
    expect(renderIncidentSummary(inc, "ru", ctx)).toContain("продолжается");
    expect(renderIncidentSummary(inc, "kk", ctx)).toContain("жалғасуда");
    expect(utcAndLocalToSecond("2026-01-05T13:02:09.000Z", "UTC")).toBe("2026-01-05 13:02:09 UTC");
    expect(utcAndLocalToSecond("not a time", "UTC")).toBe("not a time");
  });

  it("says first, in every language, that a withdrawn incident was withdrawn and when", () => {
    const at = "2026-12-01T20:00:00.000Z";
    const inc = incident({ kind: "dark", network: null, status: "closed", startedAt: "2026-12-01T19:01:05.000Z", endedAt: "2026-12-01T19:30:00.000Z",
      revisedAt: at, revisions: [{ at, field: "status", from: "open", to: "closed", reason: `${WITHDRAWN}: measurements arrived late` }] });
    const opening = { en: "Withdrawn on ", ru: "Отозвано ", kk: "2026-12-01 20:00:00 UTC (2026-12-02 01:00:00 UTC+5) кері алынды" };
    for (const lang of LANGUAGES) {
      const s = renderIncidentSummary(inc, lang, ctx);
      expect(s.startsWith(opening[lang]), `${lang}: ${s}`).toBe(true);
      expect(s).toContain("2026-12-01 20:00:00 UTC");
      expect(s).toContain("2026-12-01 19:01:05 UTC"); // the original facts stay, after the withdrawal
    }
    // A revision for another reason (late data moved the end) is not a withdrawal.
    const revised = { ...inc, revisions: [{ at, field: "endedAt", from: null, to: inc.endedAt, reason: "late measurements" }] };
    for (const lang of LANGUAGES) expect(renderIncidentSummary(revised, lang, ctx)).not.toMatch(/Withdrawn|Отозвано|кері алынды/);
  });

  it("is the summary the alerts send, in the alert's language", () => {
    const inc = incident({ kind: "whitelist_only", targets: ["https://www.instagram.com/"] });
    const event = alertEventFromIncidentEvent({ type: "opened", incident: inc });
    const mctx = messageContextFromConfig(config);
    for (const lang of LANGUAGES) {
      const text = renderAlertMessage(event, lang, mctx).text;
      expect(text).toContain(renderIncidentSummary(inc, lang, { ...ctx, timezone: config.server.timezone }));
      expect(text).not.toContain(inc.summary); // the detector's English sentence is not what readers get
      expect(text).toContain("Instagram");
    }
  });
});
