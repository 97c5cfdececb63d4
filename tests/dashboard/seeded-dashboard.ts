// The set-up the dashboard's Chromium suites share: the real app on a fresh SQLite store, hours of seeded
// measurements with the episodes a suite needs, one pass of the real detector over them, and headless
// Chromium pointed at the server; torn down after the file. A suite takes what it uses through `ready`.
import type { Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import type { KeepWatchConfig } from "../../src/config/schema.js";
import type { Incident } from "../../src/incident.js";
import { launchBrowser, openView, type TestBrowser } from "./browser.js";
import { runDetector } from "./detect.js";
import { kzConfig } from "./kz-config.js";
import { seedMeasurements, type Episode } from "./seed.js";
import { startDashboardServer, type DashboardServer } from "./server.js";

const MIN = 60_000;

export interface SeededDashboardOptions {
  /** The seeded history starts this many minutes before now... */
  historyMinutes: number;
  /** ...and ends this many before now (5 unless given): where the detector's pass runs. */
  endMinutesAgo?: number;
  /** The episodes, on a clock in minutes before now. */
  episodes: (minutesAgo: (m: number) => Date) => Episode[];
  /** Regions that never report. */
  silent?: string[];
  /** The detector's look-back in hours (runDetector's default unless given). */
  horizonHours?: number;
  /** More to set up once the incidents are there and before the browser starts (accounts, ...). */
  prepare?: (srv: DashboardServer) => Promise<void>;
  hookTimeoutMs?: number;
}

export interface SeededDashboard {
  config: KeepWatchConfig;
  srv: DashboardServer;
  browser: TestBrowser;
  /** Every incident in the store after the detector's pass. */
  incidents: Incident[];
  episodes: Episode[];
  /** Where the seeded history ends. */
  seedEnd: Date;
  /** Opens a dashboard path in a new page and waits for its view (openView). */
  open(path: string, viewport?: { width: number; height: number }): Promise<Page>;
}

/** Registers the file's beforeAll/afterAll; `ready` gets the running dashboard before the first test. */
export function useSeededDashboard(o: SeededDashboardOptions, ready: (d: SeededDashboard) => void): void {
  const config = kzConfig();
  let srv: DashboardServer | undefined;
  let browser: TestBrowser | undefined;
  beforeAll(async () => {
    const now = Date.now();
    const minutesAgo = (m: number) => new Date(now - m * MIN);
    const seedEnd = minutesAgo(o.endMinutesAgo ?? 5);
    const episodes = o.episodes(minutesAgo);
    srv = await startDashboardServer(config);
    await srv.store.insertMeasurements(seedMeasurements({
      from: minutesAgo(o.historyMinutes), to: seedEnd, episodes, ...(o.silent ? { silent: o.silent } : {}),
    }));
    const { incidents } = await runDetector(srv.store, config, seedEnd, o.horizonHours);
    await o.prepare?.(srv);
    browser = await launchBrowser(srv.url);
    const server = srv, b = browser;
    ready({ config, srv: server, browser: b, incidents, episodes, seedEnd, open: (path, viewport) => openView(b, server.url, path, viewport) });
  }, o.hookTimeoutMs ?? 120_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });
}
