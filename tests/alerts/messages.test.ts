import { describe, expect, it } from "vitest";
import { INCIDENT_KINDS } from "../../src/incident.js";
import { alertEventFromIncidentEvent, reminderEvent, type AlertEvent } from "../../src/alerts/event.js";
import { LANGUAGES, PHRASES } from "../../src/alerts/i18n/index.js";
import { messageContextFromConfig, renderAlertMessage } from "../../src/alerts/messages.js";
import { formatUtcAndLocal, utcOffsetLabel } from "../../src/alerts/time.js";
import { incident, testConfig } from "./fixtures.js";

const ctx = messageContextFromConfig(testConfig({ publicUrl: "https://watch.example.org/" }));
const KAZAKH_LETTERS = /[әғқңөұүһі]/i;
const CYRILLIC = /[а-яё]/i;

function eventsFor(kind: (typeof INCIDENT_KINDS)[number]): AlertEvent[] {
  const open = incident({ kind });
  const previousKind = kind === "full_shutdown" ? "whitelist_only" : "full_shutdown";
  return [
    alertEventFromIncidentEvent({ type: "opened", incident: open }),
    alertEventFromIncidentEvent({
      type: "kind_changed", previousKind,
      incident: { ...open, revisedAt: "2026-01-05T15:00:00.000Z",
        revisions: [{ at: "2026-01-05T15:00:00.000Z", field: "kind", from: previousKind, to: kind, reason: "whitelisted targets recovered" }] },
    }),
    alertEventFromIncidentEvent({ type: "revised", incident: { ...open, revisedAt: "2026-01-05T16:00:00.000Z",
      revisions: [{ at: "2026-01-05T16:00:00.000Z", field: "startedAt", from: "2026-01-05T13:07:00.000Z", to: open.startedAt, reason: "late upload" }] } }),
    reminderEvent(open, 1, new Date("2026-01-05T15:17:00.000Z")),
    alertEventFromIncidentEvent({ type: "closed", incident: { ...open, status: "closed", endedAt: "2026-01-05T18:40:00.000Z" } }),
  ];
}

describe("alert messages", () => {
  it("renders every event type for every kind in kk, ru and en", () => {
    const titles = new Set<string>();
    for (const kind of INCIDENT_KINDS) {
      for (const event of eventsFor(kind)) {
        for (const lang of LANGUAGES) {
          const m = renderAlertMessage(event, lang, ctx);
          const p = PHRASES[lang];
          expect(m.language).toBe(lang);
          expect(m.title).toContain(p.kind[kind]);
          expect(m.title).toContain(ctx.regions[0]!.names[lang]);
          expect(m.text).toContain(p.explain[kind]);
          expect(m.text).toContain("Kcell (mobile)");
          expect(m.text).toContain(p.confidence.confirmed);
          expect(m.text).toContain("https://watch.example.org/incidents/inc-kz47-1");
          expect(m.text).toContain("2026-01-05 13:02:00 UTC (18:02:00 Asia/Aqtau, UTC+5)");
          if (lang === "kk") expect(m.text).toMatch(KAZAKH_LETTERS);
          if (lang === "ru") {
            expect(m.text).toMatch(CYRILLIC);
            expect(m.title).not.toMatch(KAZAKH_LETTERS);
          }
          if (lang === "en") expect(m.text).not.toMatch(CYRILLIC);
          titles.add(m.title);
        }
      }
    }
    // Every (kind, event type, language) has its own headline: nothing fell back to a shared placeholder.
    expect(titles.size).toBe(INCIDENT_KINDS.length * 5 * LANGUAGES.length);
  });

  it("names kinds differently in each language and never leaves a phrase empty", () => {
    for (const kind of INCIDENT_KINDS) {
      const names = LANGUAGES.map((l) => PHRASES[l].kind[kind]);
      expect(new Set(names).size).toBe(3);
      for (const l of LANGUAGES) expect(PHRASES[l].explain[kind].length).toBeGreaterThan(20);
    }
  });

  it("says what changed, how long it lasted and when it ended", () => {
    const [, changed, , reminder, closed] = eventsFor("whitelist_only");
    const ru = renderAlertMessage(changed!, "ru", ctx);
    expect(ru.title).toBe("Инцидент изменился — Мангистауская область: полное отключение интернета → доступ только по белому списку");
    expect(ru.text).toContain("Уточнено: kind full_shutdown → whitelist_only (whitelisted targets recovered)");
    const kk = renderAlertMessage(reminder!, "kk", ctx);
    expect(kk.title).toBe("2 сағ 15 мин бойы жалғасуда — Маңғыстау облысы: тек ақ тізім бойынша қолжетімділік");
    const en = renderAlertMessage(closed!, "en", ctx);
    expect(en.title).toBe("Recovered: whitelist-only access in Mangystau Region has ended");
    expect(en.text).toContain("Ended: 2026-01-05 18:40:00 UTC (23:40:00 Asia/Aqtau, UTC+5)");
    expect(en.text).toContain("Duration: 5 h 38 min");
    expect(en.text).toContain("Last normal measurement: 2026-01-05 12:57:00 UTC (17:57:00 Asia/Aqtau, UTC+5)");
  });

  it("covers the whole region when there is no network, and has no permalink without publicUrl", () => {
    const bare = messageContextFromConfig(testConfig());
    const ev = alertEventFromIncidentEvent({ type: "opened", incident: incident({ kind: "dark", network: null }) });
    const m = renderAlertMessage(ev, "kk", bare);
    expect(m.permalink).toBeNull();
    expect(m.text).not.toContain("/incidents/");
    expect(m.text).toContain("Желі: өңірдің барлық желілері");
  });

  it("falls back to ids for regions and networks missing from the config", () => {
    const ev = alertEventFromIncidentEvent({ type: "opened", incident: incident({ region: "KZ-19", network: "other-net" }) });
    const m = renderAlertMessage(ev, "en", ctx);
    expect(m.title).toBe("Incident opened: whitelist-only access in KZ-19");
    expect(m.text).toContain("Network: other-net");
  });
});

describe("alert times", () => {
  it("shows UTC then the local zone, with the local date when it differs", () => {
    expect(formatUtcAndLocal("2026-01-05T20:30:00Z", "Asia/Aqtau")).toBe("2026-01-05 20:30:00 UTC (2026-01-06 01:30:00 Asia/Aqtau, UTC+5)");
    expect(formatUtcAndLocal("2026-01-05T20:30:07.900Z", "UTC")).toBe("2026-01-05 20:30:07 UTC");
    // To the second: "last normal" one second before "started" no longer reads the same.
    expect(formatUtcAndLocal("2026-01-05T19:01:04Z", "Asia/Almaty")).toBe("2026-01-05 19:01:04 UTC (2026-01-06 00:01:04 Asia/Almaty, UTC+5)");
    expect(utcOffsetLabel(new Date("2026-01-05T00:00:00Z"), "Asia/Kolkata")).toBe("UTC+5:30");
    expect(utcOffsetLabel(new Date("2026-01-05T00:00:00Z"), "America/Sao_Paulo")).toBe("UTC-3");
  });
});

describe("alert times in the region's own zone", () => {
  it("uses the region's configured timezone over the server's, to the second", () => {
    const base = messageContextFromConfig(testConfig({ publicUrl: "https://watch.example.org/" }));
    const regionId = incident({}).region;
    const zoned = { ...base, timezone: "UTC", regions: base.regions.map((r) => (r.id === regionId ? { ...r, timezone: "Asia/Kolkata" } : r)) };
    const m = renderAlertMessage(alertEventFromIncidentEvent({ type: "opened", incident: incident({ startedAt: "2026-01-05T13:02:09.000Z" }) }), "en", zoned);
    expect(m.text).toContain("2026-01-05 13:02:09 UTC (18:32:09 Asia/Kolkata, UTC+5:30)");
  });
});
