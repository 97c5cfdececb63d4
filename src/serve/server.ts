// `keepwatch serve` assembled: store, Redis (embedded unless given), scheduler, local workers, collector,
// detector loop, alert sender and the HTTP server. Every stage talks to the next through a queue or the
// store; this file only builds them and registers how each stops (ShutdownSequence runs them in order).
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
import { configuredProbesOf } from "../detect/roster.js";
import { Readiness } from "../health/readiness.js";
import type { Logger } from "../log.js";
import { Metrics } from "../metrics/metrics.js";
import { createRedisConnection, waitUntilReady } from "../queue/connection.js";
import { RedisMemoryGuard } from "../queue/memory-guard.js";
import { MeasureProducer } from "../queue/measure-producer.js";
import { QUEUES } from "../queue/names.js";
import { ResultsBacklog } from "../queue/results-backlog.js";
import { ResultsProducer } from "../queue/results-producer.js";
import { helperDeps, helperRoutes } from "../helper/app.js";
import { anyTokenSource, configuredTokens, storeTokens } from "../helper/tokens.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { describeStore, openStore, storeLocation } from "../store/open.js";
import type { Store } from "../store/store.js";
import { checkerSettings, probeIdentity } from "../worker/from-config.js";
import { MeasureWorker } from "../worker/measure-worker.js";
import { createTargetChecker } from "../worker/target-checker.js";
import { prepareDataDir } from "./data-dir.js";
import { DemoFeed, demoConfig, demoDataDir } from "./demo.js";
import { DetectorLoop } from "./detector-loop.js";
import { drainResults } from "./drain-results.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "./embedded-redis.js";
import { listen } from "./http-listener.js";
import { ShutdownSequence } from "./shutdown.js";
import { applySiteSetup, readSiteSetup, unconfirmedNotice } from "./site-setup.js";

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
  /** `keepwatch serve --demo`: synthetic measurements in <dataDir>/demo, no probe measures, no alert sent. */
  demo?: boolean;
  now?: () => Date;
}

export interface RunningServer {
  url: string;
  port: number;
  redisUrl: string;
  store: Store;
  detector: Detector;
  scheduler: Scheduler;
  config: KeepWatchConfig;
  /** The supervised redis-server, when this server started its own. */
  embeddedRedis: EmbeddedRedis | null;
  /** Local probes waiting for `keepwatch setup` (not measuring). */
  unconfirmedProbes: string[];
  demo: boolean;
  /** Stops everything in STOP_ORDER (src/serve/shutdown.ts); safe to call twice. */
  stop(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const log = o.log;
  const loaded = o.config ?? loadConfig(o.configPath);
  const baseDataDir = o.dataDir ?? loaded.dataDir;
  // What runs: the demo's made-up probes, or the configuration with local probes only where confirmed.
  const demo = o.demo ? demoConfig(loaded, demoDataDir(baseDataDir)) : null;
  const site = demo ? { config: demo.config, unconfirmed: [] } : applySiteSetup(loaded, readSiteSetup(baseDataDir));
  const config = site.config;
  const targets = buildTargets(config);
  const dataDir = prepareDataDir(demo ? demoDataDir(baseDataDir) : baseDataDir);
  const notice = unconfirmedNotice(site.unconfirmed);
  if (notice) log.warn({ probes: site.unconfirmed.map((p) => p.id) }, notice);
  if (demo) log.warn({ dataDir }, "DEMO MODE: synthetic measurements, nothing is measured, no alert is sent; data kept apart in this directory");
  const shutdown = new ShutdownSequence(log);
  const stopAll = () => shutdown.run();
  try {
    let redisUrl = o.redisUrl ?? process.env.REDIS_URL ?? config.redis.url;
    let embedded: EmbeddedRedis | null = null;
    if (!redisUrl) {
      embedded = await startEmbeddedRedis(dataDir, {
        port: config.redis.port,
        appendfsync: config.redis.appendfsync,
        maxmemory: config.redis.maxmemory,
        log,
      });
      const redis = embedded;
      shutdown.add("redis", () => redis.stop());
      redisUrl = embedded.url;
      log.info({ dataDir, port: embedded.port }, "started an embedded redis-server (set REDIS_URL to use your own)");
    }
    const store = openStore(config.store, dataDir);
    log.info({ store: describeStore(storeLocation(config.store.url, dataDir)) }, "store");
    shutdown.add("store", () => store.close());
    await store.migrate();

    // Uploads get their own fail-fast connections (command timeouts: a frozen Redis means 503, not a hang).
    // The room check before a body is read has the short timeout: refusing there is cheap, and a server so
    // busy that a reply waits that long should not read more bodies. The enqueue after the body was read
    // and checked gets three times as long, so a busy event loop does not waste a read upload.
    const guardConnection = createRedisConnection(redisUrl, "producer", { commandTimeoutMs: config.redis.commandTimeoutMs });
    const uploadConnection = createRedisConnection(redisUrl, "producer", { commandTimeoutMs: 3 * config.redis.commandTimeoutMs });
    const producerConnection = createRedisConnection(redisUrl, "producer");
    const queueConnection = createRedisConnection(redisUrl, "worker");
    for (const c of [guardConnection, uploadConnection, producerConnection]) c.on("error", () => undefined); // Reported per command.
    shutdown.add("queues", async () => {
      guardConnection.disconnect();
      uploadConnection.disconnect();
      producerConnection.disconnect();
      queueConnection.disconnect();
    });
    await Promise.all([guardConnection, uploadConnection].map(waitUntilReady));
    await waitUntilReady(producerConnection);
    const uploads = new ResultsProducer(uploadConnection);
    const results = new ResultsProducer(producerConnection);
    const measures = new MeasureProducer(queueConnection);
    const countQueues = [QUEUES.results, QUEUES.alerts].map((name) => new Queue(name, { connection: queueConnection }));
    // On the fail-fast connection: a backlog read while Redis is down fails at once instead of queueing.
    const backlogQueue = new Queue(QUEUES.results, { connection: producerConnection });
    const backlog = new ResultsBacklog(backlogQueue);
    const memory = new RedisMemoryGuard(guardConnection, config.redis.uploadMemoryHighWater);
    shutdown.add("queues", async () => {
      await uploads.close();
      await results.close();
      await measures.close();
      await Promise.all([...countQueues, backlogQueue].map((q) => q.close()));
    });
    const readiness = new Readiness(
      { ping: () => producerConnection.ping(), store, backlog },
      config.readiness,
    );

    const metrics = new Metrics({ store, config, targets, queues: countQueues, resultsBacklog: backlog, demo: demo !== null });
    const collector = new Collector({
      redis: redisUrl,
      store,
      logger: log,
      retention: { rawDays: config.retention.rawDays, rollupDays: config.retention.rollupDays },
      maxClockSkewMs: config.server.maxClockSkewSeconds * 1000,
      onStored: (ms) => metrics.recordMeasurements(ms),
    });
    shutdown.add("drain", () => drainResults(uploads, log));
    shutdown.add("collector", () => collector.close());

    const alerts: Alerts = await startAlerts({ config, redisUrl, logger: log });
    shutdown.add("alerts", () => alerts.close());
    const hub = new IncidentEventHub();
    hub.subscribe((incident) => metrics.recordIncident(incident));
    const detector = new Detector({
      store,
      config: config.detector,
      regions: config.regions.map((r) => r.id),
      configuredProbes: configuredProbesOf(config),
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
    shutdown.add("detector", () => loop.stop());

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
      shutdown.add("workers", async () => {
        await worker.close();
        await checker.close();
        connection.disconnect();
      });
    }

    const scheduler = new Scheduler(config, targets, measures, log);
    if (o.schedule !== false && !demo) {
      scheduler.start();
      // Measure right away rather than waiting for the first cron slot.
      await scheduler.tick();
    }
    shutdown.add("scheduler", () => scheduler.stop());
    if (demo) {
      const feed = new DemoFeed(config, demo.probes, targets, (ms) => results.add(ms), log);
      await feed.start();
      shutdown.add("scheduler", () => feed.stop());
    }

    const stopping = new AbortController();
    let full = false; // Logged when it changes, not per refused upload.
    const app = createApp({
      targets,
      store,
      config,
      metrics,
      enqueueResults: async (ms) => {
        await uploads.add(ms);
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
      incidentEvents: hub,
      readiness,
      reportError: (err) => log.error({ err }, "api error"),
      siteNotice: { demo: demo !== null, text: notice },
      ...(o.now ? { clock: o.now } : {}),
    });
    if (config.helper.enabled) {
      // The test helper inside serve: the store's probe tokens (revocation applies at once) and any listed hashes.
      const tokens = anyTokenSource([storeTokens(store), configuredTokens(config.helper.tokenHashes)]);
      app.route("/api/v1", helperRoutes(helperDeps(config.helper, tokens)));
    }
    const host = o.host ?? config.server.host;
    const listener = await listen(app.fetch, host, o.port ?? config.server.port);
    const port = listener.port;
    shutdown.add("intake", async () => {
      stopping.abort(); // SSE streams end, so their connections do not hold the listener open.
      await listener.close();
    });
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    log.info({ url, probes: config.probes.length, targets: targets.length }, "KeepWatch is running");
    return {
      url, port, redisUrl, store, detector, scheduler, config, embeddedRedis: embedded, stop: stopAll,
      unconfirmedProbes: site.unconfirmed.map((p) => p.id), demo: demo !== null,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
