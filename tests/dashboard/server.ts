// The server under test: the real app (createApp) on the real SQLite store in a temp dir, listening on a
// loopback port. Incident events go through an in-process hub, as when `keepwatch serve` runs the detector.
import { serve, type ServerType } from "@hono/node-server";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/api/app.js";
import { IncidentEventHub } from "../../src/api/incident-events.js";
import type { KeepWatchConfig } from "../../src/config/schema.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { SqliteStore } from "../../src/store/sqlite.js";

export interface DashboardServer {
  url: string;
  store: SqliteStore;
  events: IncidentEventHub;
  dir: string;
  close(): Promise<void>;
}

export async function startDashboardServer(config: KeepWatchConfig, port = 0): Promise<DashboardServer> {
  const dir = mkdtempSync(join(tmpdir(), "kw-dashboard-"));
  const store = new SqliteStore(join(dir, "keepwatch.db"));
  await store.migrate();
  const events = new IncidentEventHub();
  const app = createApp({
    store,
    config,
    metrics: new Metrics({ processMetrics: false }),
    enqueueResults: async (ms) => {
      await store.insertMeasurements(ms);
    },
    incidentEvents: events,
    // A 30-minute "recent" window: the seeded history ends a few minutes before the test looks at it.
    options: { regionsRefreshMs: 1_000, keepAliveMs: 5_000, recentWindowSeconds: 30 * 60 },
  });
  let server: ServerType | undefined;
  const bound = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info) => resolve(info.port));
  });
  return {
    url: `http://127.0.0.1:${bound}`,
    store,
    events,
    dir,
    async close() {
      // SSE streams stay open until the browser goes; do not wait for them.
      const s = server as (ServerType & { closeAllConnections?: () => void }) | undefined;
      s?.closeAllConnections?.();
      await new Promise<void>((resolve) => s?.close(() => resolve()) ?? resolve());
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
