// Builds the API from real parts for a test: a SQLite store in a temp dir, a parsed config, a Metrics
// instance, an in-process incident hub, and (optionally) a real HTTP server on 127.0.0.1.
import { serve, type ServerType } from "@hono/node-server";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/api/app.js";
import type { AppDeps } from "../../src/api/deps.js";
import { IncidentEventHub } from "../../src/api/incident-events.js";
import { configSchema, type KeepWatchConfig } from "../../src/config/schema.js";
import type { Incident } from "../../src/incident.js";
import type { Measurement } from "../../src/measurement.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { SqliteStore } from "../../src/store/sqlite.js";

export const NOW = new Date("2026-03-10T12:00:00.000Z");

export function testConfig(extra: Record<string, unknown> = {}): KeepWatchConfig {
  return configSchema.parse({
    regions: [
      { id: "KZ-47", names: { kk: "Маңғыстау", ru: "Мангистауская", en: "Mangystau" }, networks: ["kcell-mobile", "kt-fixed"] },
      { id: "KZ-75", names: { kk: "Алматы", ru: "Алматы", en: "Almaty" }, networks: ["kt-fixed"] },
      { id: "KZ-11", names: { kk: "Ақмола", ru: "Акмолинская", en: "Akmola" }, networks: [] },
    ],
    networks: [
      { id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" },
      { id: "kt-fixed", name: "Kazakhtelecom", asn: 9198, kind: "fixed" },
    ],
    probes: [
      { id: "probe-47", region: "KZ-47", network: "kcell-mobile" },
      { id: "probe-75", region: "KZ-75", network: "kt-fixed" },
    ],
    ...extra,
  });
}

export function testIncident(o: Partial<Incident> = {}): Incident {
  return {
    id: "inc-1",
    region: "KZ-47",
    network: "kcell-mobile",
    kind: "whitelist_only",
    status: "open",
    startedAt: "2026-03-10T11:30:00.000Z",
    lastGoodAt: "2026-03-10T11:25:00.000Z",
    endedAt: null,
    targets: ["https://t.me/"],
    summary: "Only whitelisted services reachable",
    confidence: "confirmed",
    evidence: {
      measurementIds: [],
      counts: { whitelisted_ok: 10, non_whitelisted_fail: 12 },
      probes: ["probe-47"],
      networks: ["kcell-mobile"],
      figures: {},
    },
    revisedAt: null,
    revisions: [],
    ...o,
  };
}

export interface Harness {
  app: ReturnType<typeof createApp>;
  store: SqliteStore;
  /** The store's SQLite file. */
  dbPath: string;
  config: KeepWatchConfig;
  metrics: Metrics;
  hub: IncidentEventHub;
  enqueued: Measurement[][];
  /** GET/POST against the app in-process. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Starts a real HTTP server on 127.0.0.1; returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createHarness(overrides: Partial<AppDeps> = {}, config = testConfig()): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "kw-api-"));
  const dbPath = join(dir, "keepwatch.db");
  const store = new SqliteStore(dbPath);
  await store.migrate();
  const metrics = new Metrics({ store, config, clock: () => NOW, processMetrics: false });
  const hub = new IncidentEventHub();
  const enqueued: Measurement[][] = [];
  const app = createApp({
    store,
    config,
    metrics,
    incidentEvents: hub,
    clock: () => NOW,
    // The embedded path: an accepted upload goes straight into the store, as the collector would put it.
    enqueueResults: async (ms) => {
      enqueued.push(ms);
      await store.insertMeasurements(ms);
    },
    reportError: () => undefined,
    ...overrides,
    options: { regionsCacheMs: 0, ...overrides.options },
  });
  let server: ServerType | null = null;
  return {
    app,
    store,
    dbPath,
    config,
    metrics,
    hub,
    enqueued,
    request: async (path, init) => app.request(path, init),
    listen: () =>
      new Promise((resolve) => {
        server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) =>
          resolve(`http://127.0.0.1:${info.port}`),
        );
      }),
    close: async () => {
      const s = server as ServerType | null;
      if (s) {
        if ("closeAllConnections" in s) s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A time `minutesAgo` before NOW, ISO. */
export function ago(minutes: number): string {
  return new Date(NOW.getTime() - minutes * 60_000).toISOString();
}
