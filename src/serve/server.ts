// `keepwatch serve` assembled: store, Redis (embedded unless given), scheduler, local workers, collector,
// detector loop, alert sender and the HTTP server. Every stage talks to the next through a queue or the
// store; this file only builds them and stops them in reverse order.
import { serve, type ServerType } from "@hono/node-server";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createApp } from "../api/app.js";
import { IncidentEventHub } from "../api/incident-events.js";
import { startAlerts, type Alerts } from "../alerts/service.js";
import { Collector } from "../collector/collector.js";
import { loadConfig } from "../config/load.js";
import type { KeepWatchConfig } from "../config/schema.js";
import { buildTargets } from "../config/targets.js";
import { Detector } from "../detect/detector.js";
import type { Logger } from "../log.js";
import { Metrics } from "../metrics/metrics.js";
import { createRedisConnection, waitUntilReady } from "../queue/connection.js";
import { MeasureProducer } from "../queue/measure-producer.js";
import { QUEUES } from "../queue/names.js";
import { ResultsProducer } from "../queue/results-producer.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { SqliteStore } from "../store/sqlite.js";
import { checkerSettings, probeIdentity } from "../worker/from-config.js";
import { MeasureWorker } from "../worker/measure-worker.js";
import { createTargetChecker } from "../worker/target-checker.js";
import { databasePath, prepareDataDir } from "./data-dir.js";
import { DetectorLoop } from "./detector-loop.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "./embedded-redis.js";

export interface ServerOptions {
  configPath?: string;
  /** A config object instead of a file (tests). */
  config?: KeepWatchConfig;
  dataDir?: string;
  host?: string;
  port?: number;
  redisUrl?: string;
  log: Logger;
  /** How often the detector runs; default half a detector window, at most a minute. */
  detectorIntervalMs?: number;
  /** Run the scheduler (off in tests that feed measurements themselves). */
  schedule?: boolean;
  now?: () => Date;
}

export interface RunningServer {
  url: string;
  port: number;
  redisUrl: string;
  store: SqliteStore;
  detector: Detector;
  scheduler: Scheduler;
  config: KeepWatchConfig;
  stop(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const log = o.log;
  const config = o.config ?? loadConfig(o.configPath);
  const targets = buildTargets(config);
  const dataDir = prepareDataDir(o.dataDir ?? config.dataDir);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((e: unknown) => log.error({ err: e }, "error while stopping"));
    }
  };
  try {
    let redisUrl = o.redisUrl ?? process.env.REDIS_URL ?? config.redis.url;
    if (!redisUrl) {
      const embedded: EmbeddedRedis = await startEmbeddedRedis(dataDir);
      stops.push(() => embedded.stop());
      redisUrl = embedded.url;
      log.info({ dataDir }, "started an embedded redis-server (set REDIS_URL to use your own)");
    }
    const store = new SqliteStore(databasePath(dataDir));
    stops.push(() => store.close());
    await store.migrate();

    const producerConnection = createRedisConnection(redisUrl, "producer");
    const queueConnection = createRedisConnection(redisUrl, "worker");
    stops.push(async () => {
      producerConnection.disconnect();
      queueConnection.disconnect();
    });
    await waitUntilReady(producerConnection);
    const results = new ResultsProducer(producerConnection);
    const measures = new MeasureProducer(queueConnection);
    const countQueues = [QUEUES.results, QUEUES.alerts].map((name) => new Queue(name, { connection: queueConnection }));
    stops.push(async () => {
      await results.close();
      await measures.close();
      await Promise.all(countQueues.map((q) => q.close()));
    });

    const metrics = new Metrics({ store, config, queues: countQueues });
    const collector = new Collector({
      redis: redisUrl,
      store,
      logger: log,
      retention: { rawDays: config.retention.rawDays, rollupDays: config.retention.rollupDays },
      maxClockSkewMs: config.server.maxClockSkewSeconds * 1000,
      onStored: (ms) => metrics.recordMeasurements(ms),
    });
    stops.push(() => collector.close());

    const alerts: Alerts = await startAlerts({ config, redisUrl, logger: log });
    stops.push(() => alerts.close());
    const hub = new IncidentEventHub();
    hub.subscribe((incident) => metrics.recordIncident(incident));
    const detector = new Detector({
      store,
      config: config.detector,
      regions: config.regions.map((r) => r.id),
      regionNames: Object.fromEntries(config.regions.map((r) => [r.id, r.names.en])),
      ...(o.now ? { now: o.now } : {}),
      onEvent: (event) => {
        hub.publish(event.incident);
        // Reminders come from the alert dispatcher's own durable schedule, not from the detector.
        if (event.type === "reminder") return;
        // Not awaited: a Redis outage must not stall detection (the dispatcher queues in order and retries).
        void alerts.dispatcher
          .publish({ type: event.type, incident: event.incident, previousKind: event.previous?.kind ?? null, at: event.at })
          .catch((e: unknown) => log.error({ err: e, incident: event.incident.id }, "alert publish failed"));
      },
    });
    const loop = new DetectorLoop(detector, o.detectorIntervalMs ?? Math.min(60_000, config.detector.windowSeconds * 500), log);
    loop.start();
    stops.push(() => loop.stop());

    for (const probe of config.probes.filter((p) => p.mode === "local")) {
      const connection: Redis = createRedisConnection(redisUrl, "worker");
      const checker = await createTargetChecker(checkerSettings(config, probe));
      const worker = new MeasureWorker({
        connection,
        results,
        probe: probeIdentity(config, probe),
        checker,
        concurrency: config.schedule.concurrency,
        log,
      });
      stops.push(async () => {
        await worker.close();
        await checker.close();
        connection.disconnect();
      });
    }

    const scheduler = new Scheduler(config, targets, measures, log);
    if (o.schedule !== false) {
      scheduler.start();
      // Measure right away rather than waiting for the first cron slot.
      await scheduler.tick();
    }
    stops.push(() => scheduler.stop());

    const app = createApp({
      store,
      config,
      metrics,
      enqueueResults: async (ms) => {
        await results.add(ms);
      },
      incidentEvents: hub,
      reportError: (err) => log.error({ err }, "api error"),
      ...(o.now ? { clock: o.now } : {}),
    });
    const host = o.host ?? config.server.host;
    const { server, port } = await listen(app.fetch, host, o.port ?? config.server.port);
    stops.push(() => new Promise<void>((ok) => server.close(() => ok())));
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    log.info({ url, probes: config.probes.length, targets: targets.length }, "KeepWatch is running");
    return { url, port, redisUrl, store, detector, scheduler, config, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

function listen(fetch: Parameters<typeof serve>[0]["fetch"], hostname: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((ok, fail) => {
    const server = serve({ fetch, hostname, port }, (info) => ok({ server, port: info.port }));
    server.once("error", fail);
  });
}
