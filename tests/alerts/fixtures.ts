// A small config and incidents shared by the alert tests.
import { configSchema, type AlertChannelConfig, type KeepWatchConfig } from "../../src/config/schema.js";
import type { Incident } from "../../src/incident.js";

export function testConfig(opts: { channels?: AlertChannelConfig[]; reminderMinutes?: number; publicUrl?: string } = {}): KeepWatchConfig {
  return configSchema.parse({
    server: { timezone: "Asia/Aqtau", ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}) },
    regions: [
      { id: "KZ-47", names: { kk: "Маңғыстау облысы", ru: "Мангистауская область", en: "Mangystau Region" }, networks: ["kcell-mobile"] },
      { id: "KZ-75", names: { kk: "Алматы", ru: "Алматы", en: "Almaty" }, networks: ["kcell-mobile"] },
    ],
    networks: [{ id: "kcell-mobile", name: "Kcell (mobile)", asn: 29355, kind: "mobile" }],
    alerts: { reminderMinutes: opts.reminderMinutes ?? 0, channels: opts.channels ?? [] },
  });
}

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: "inc-kz47-1",
    region: "KZ-47",
    network: "kcell-mobile",
    kind: "whitelist_only",
    status: "open",
    startedAt: "2026-01-05T13:02:00.000Z",
    lastGoodAt: "2026-01-05T12:57:00.000Z",
    endedAt: null,
    targets: ["https://www.youtube.com/", "https://telegram.org/"],
    summary: "non-whitelisted targets fell to 0% while whitelisted kept 97%",
    confidence: "confirmed",
    evidence: { measurementIds: ["m1", "m2"], counts: { whitelisted: 40, other: 60 }, probes: ["p1", "p2"], networks: ["kcell-mobile"], figures: {} },
    revisedAt: null,
    revisions: [],
    ...overrides,
  };
}
