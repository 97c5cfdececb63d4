// The api role: the REST API, uploads, dashboard, /metrics and health on the HTTP listener. Uploads get
// their own fail-fast Redis connections (command timeouts: a frozen Redis means 503, not a hang). The room
// check before a body is read has the short timeout: refusing there is cheap, and a server so busy that a
// reply waits that long should not read more bodies. The enqueue after the body was read and checked gets
// three times as long, so a busy event loop does not waste a read upload.
import { createApp } from "../api/app.js";
import type { IncidentEvents } from "../api/incident-events.js";
import type { KeepWatchConfig, TargetConfig } from "../config/schema.js";
import type { Readiness } from "../health/readiness.js";
import { helperDeps, helperRoutes } from "../helper/app.js";
import { anyTokenSource, configuredTokens, storeTokens } from "../helper/tokens.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics/metrics.js";
import { createRedisConnection, waitUntilReady } from "../queue/connection.js";
import { RedisMemoryGuard } from "../queue/memory-guard.js";
import { ResultsProducer } from "../queue/results-producer.js";
import type { Store } from "../store/store.js";
import type { ShutdownSequence } from "./shutdown.js";

export interface ApiRoleDeps {
  config: KeepWatchConfig;
  targets: TargetConfig[];
  store: Store;
  metrics: Metrics;
  readiness: Readiness;
  incidentEvents: IncidentEvents;
  redisUrl: string;
  shutdown: ShutdownSequence;
  log: Logger;
  /** The banner every page shows: demo mode, or local probes waiting for `keepwatch setup`. */
  siteNotice?: { demo: boolean; text: string | null };
  now?: () => Date;
}

export interface ApiRole {
  app: ReturnType<typeof createApp>;
  /** Ends SSE streams so their connections do not hold the listener open. */
  stopStreams(): void;
  /** The upload producer (drained at stop when this process also collects). */
  uploads: ResultsProducer;
}

export async function startApiRole(d: ApiRoleDeps): Promise<ApiRole> {
  const { config, log } = d;
  const guardConnection = createRedisConnection(d.redisUrl, "producer", { commandTimeoutMs: config.redis.commandTimeoutMs });
  const uploadConnection = createRedisConnection(d.redisUrl, "producer", { commandTimeoutMs: 3 * config.redis.commandTimeoutMs });
  for (const c of [guardConnection, uploadConnection]) c.on("error", () => undefined); // Reported per command.
  let uploads: ResultsProducer | null = null;
  d.shutdown.add("queues", async () => {
    await uploads?.close();
    guardConnection.disconnect();
    uploadConnection.disconnect();
  });
  // Ready before BullMQ gets them: a queue set up on a fail-fast connection still connecting fails its setup.
  await Promise.all([guardConnection, uploadConnection].map(waitUntilReady));
  const producer = new ResultsProducer(uploadConnection);
  uploads = producer;
  const memory = new RedisMemoryGuard(guardConnection, config.redis.uploadMemoryHighWater);

  const stopping = new AbortController();
  let full = false; // Logged when it changes, not per refused upload.
  const app = createApp({
    targets: d.targets,
    store: d.store,
    config,
    metrics: d.metrics,
    enqueueResults: async (ms) => {
      await producer.add(ms);
    },
    queueRoom: async () => {
      const m = await memory.reading();
      if (full !== !m.hasRoom) {
        full = !m.hasRoom;
        log.warn({ usedBytes: m.usedBytes, maxBytes: m.maxBytes }, full ? "redis near its memory cap: refusing uploads" : "redis has room again: taking uploads");
      }
      if (m.hasRoom) return { ok: true };
      return { ok: false, reason: "results queue is nearly full; retry later", retryAfterMs: 60_000 };
    },
    shutdown: stopping.signal,
    incidentEvents: d.incidentEvents,
    readiness: d.readiness,
    reportError: (err) => log.error({ err }, "api error"),
    ...(d.siteNotice ? { siteNotice: d.siteNotice } : {}),
    ...(d.now ? { clock: d.now } : {}),
  });
  if (config.helper.enabled) {
    // The test helper inside serve: the store's probe tokens (revocation applies at once) and any listed hashes.
    const tokens = anyTokenSource([storeTokens(d.store), configuredTokens(config.helper.tokenHashes)]);
    app.route("/api/v1", helperRoutes(helperDeps(config.helper, tokens)));
  }
  return { app, uploads: producer, stopStreams: () => stopping.abort() };
}
