// `keepwatch serve` assembled for the roles this process runs (default all: one machine): store, Redis
// (embedded only when this process runs every role and none is given), then per role — api (HTTP API and
// uploads), collector, and the singleton roles detector, scheduler and alerts, each run only while this
// process holds that role's Redis lease (src/leader/lease.ts). Every stage talks to the next through a
// queue or the store; this file only builds them and registers how each stops (ShutdownSequence order).
import { Queue } from "bullmq";
import { IncidentEventHub, MergedIncidentEvents, StoreIncidentPoller } from "../api/incident-events.js";
import { startAlerts } from "../alerts/service.js";
import { Collector } from "../collector/collector.js";
import { loadConfig } from "../config/load.js";
import { ROLES, RolesError, type Role, type SingletonRole } from "../config/roles.js";
import type { KeepWatchConfig } from "../config/schema.js";
import { buildTargets } from "../config/targets.js";
import { Readiness } from "../health/readiness.js";
import type { LeaderLease } from "../leader/lease.js";
import { Leadership } from "../leader/status.js";
import type { Logger } from "../log.js";
import { Metrics } from "../metrics/metrics.js";
import { createRedisConnection } from "../queue/connection.js";
import { MeasureProducer } from "../queue/measure-producer.js";
import { QUEUES } from "../queue/names.js";
import { redactRedisUrl } from "../queue/redis-url.js";
import { ResultsBacklog } from "../queue/results-backlog.js";
import { ResultsProducer } from "../queue/results-producer.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { describeStore, openStore, storeLocation } from "../store/open.js";
import type { Store } from "../store/store.js";
import { startApiRole } from "./api-role.js";
import { prepareDataDir } from "./data-dir.js";
import { lockDataDir } from "./data-dir-lock.js";
import { DemoFeed, demoConfig, demoDataDir } from "./demo.js";
import { drainResults } from "./drain-results.js";
import { detectorIntervalMs, leaderLeaseMs, startDetectorRole } from "./detector-role.js";
import { electRole, type RunningRole } from "./elected-role.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "./embedded-redis.js";
import { listen } from "./http-listener.js";
import { startLocalWorkers } from "./local-workers.js";
import { createOpsApp } from "./ops-app.js";
import { ShutdownSequence } from "./shutdown.js";
import { applySiteSetup, readSiteSetup, unconfirmedNotice } from "./site-setup.js";
import { waitForRedis } from "./wait-for-redis.js";

export interface ServerOptions {
  configPath?: string;
  /** A config object instead of a file (tests). */
  config?: KeepWatchConfig;
  dataDir?: string;
  host?: string;
  port?: number;
  redisUrl?: string;
  /** Roles to run (`--roles`); default the config's serve.roles (all). */
  roles?: readonly Role[];
  log: Logger;
  /** How often the detector runs; default half a detector window, at most a minute. */
  detectorIntervalMs?: number;
  /** Run the scheduler (off in tests that feed measurements themselves). */
  schedule?: boolean;
  /** `keepwatch serve --demo`: synthetic measurements in <dataDir>/demo, no probe measures, no alert sent. */
  demo?: boolean;
  now?: () => Date;
  /** Aborted by a stop signal during start-up: what has started stops, and start-up gives up (even while waiting for Redis). */
  signal?: AbortSignal;
}

export interface RunningServer {
  url: string;
  port: number;
  redisUrl: string;
  store: Store;
  config: KeepWatchConfig;
  roles: readonly Role[];
  /** The lease of each singleton role this process runs (leading or following). */
  leases: Partial<Record<SingletonRole, LeaderLease>>;
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
  const roles = o.roles ?? config.serve.roles;
  const has = (r: Role) => roles.includes(r);
  const targets = buildTargets(config);
  const dataDir = prepareDataDir(demo ? demoDataDir(baseDataDir) : baseDataDir);
  const notice = unconfirmedNotice(site.unconfirmed);
  if (notice) log.warn({ probes: site.unconfirmed.map((p) => p.id) }, notice);
  if (demo) log.warn({ dataDir }, "DEMO MODE: synthetic measurements, nothing is measured, no alert is sent; data kept apart in this directory");
  const shutdown = new ShutdownSequence(log);
  const stopAll = () => shutdown.run();
  // A stop signal while starting (a Redis that is not up yet keeps start-up waiting): the wait for Redis ends
  // and each later step gives up, so start-up fails into its catch below, which stops everything started.
  const giveUpIfStopped = () => {
    if (o.signal?.aborted) throw new Error("stopped while starting");
  };
  try {
    giveUpIfStopped();
    let redisUrl = o.redisUrl ?? process.env.REDIS_URL ?? config.redis.url;
    let embedded: EmbeddedRedis | null = null;
    if (!redisUrl) {
      // A private Redis only makes sense when nothing else needs it: one process with every role.
      if (roles.length !== ROLES.length) {
        throw new RolesError(`running only some roles (${roles.join(",")}) needs the Redis the other processes share: set REDIS_URL or redis.url`);
      }
      // Before anything touches the redis directory: a second serve here would stop the first one's Redis.
      const lock = lockDataDir(dataDir);
      try {
        embedded = await startEmbeddedRedis(dataDir, {
          port: config.redis.port,
          appendfsync: config.redis.appendfsync,
          maxmemory: config.redis.maxmemory,
          log,
        });
      } catch (e) {
        lock.release();
        throw e;
      }
      const redis = embedded;
      shutdown.add("redis", async () => {
        await redis.stop();
        lock.release(); // Only once Redis is down: the next serve may then start its own on these files.
      });
      redisUrl = embedded.url;
      log.info({ dataDir, port: embedded.port }, "started an embedded redis-server (set REDIS_URL to use your own)");
    }
    giveUpIfStopped();
    const sharedRedis = redisUrl;
    const store = openStore(config.store, dataDir);
    log.info({ store: describeStore(storeLocation(config.store.url, dataDir)) }, "store");
    shutdown.add("store", () => store.close());
    await store.migrate();

    const producerConnection = createRedisConnection(sharedRedis, "producer");
    const queueConnection = createRedisConnection(sharedRedis, "worker");
    producerConnection.on("error", () => undefined); // Reported per command.
    queueConnection.on("error", () => undefined); // BullMQ reports its own; unhandled, ioredis prints each retry.
    shutdown.add("queues", async () => {
      producerConnection.disconnect();
      queueConnection.disconnect();
    });
    await waitForRedis(producerConnection, sharedRedis, log, o.signal);
    giveUpIfStopped();
    const countQueues = [QUEUES.results, QUEUES.alerts].map((name) => new Queue(name, { connection: queueConnection }));
    // On the fail-fast connection: a backlog read while Redis is down fails at once instead of queueing.
    const backlogQueue = new Queue(QUEUES.results, { connection: producerConnection });
    const backlog = new ResultsBacklog(backlogQueue);
    shutdown.add("queues", () => Promise.all([...countQueues, backlogQueue].map((q) => q.close())));
    const leadership = new Leadership(roles);
    const readiness = new Readiness({ ping: () => producerConnection.ping(), store, backlog, leadership }, config.readiness);
    const metrics = new Metrics({
      store, config, targets, queues: countQueues, resultsBacklog: backlog, leadership, demo: demo !== null,
    });

    if (has("collector")) {
      const collector = new Collector({
        redis: sharedRedis,
        store,
        logger: log,
        retention: config.retention,
        maxClockSkewMs: config.server.maxClockSkewSeconds * 1000,
        onStored: (ms) => metrics.recordMeasurements(ms),
      });
      shutdown.add("collector", () => collector.close());
    }

    const passMs = o.detectorIntervalMs ?? detectorIntervalMs(config);
    const ttlMs = leaderLeaseMs(config, passMs);
    const leases: Partial<Record<SingletonRole, LeaderLease>> = {};
    const elect = (role: SingletonRole, stage: "detector" | "scheduler" | "alerts", start: (lease: LeaderLease) => Promise<RunningRole>) => {
      const elected = electRole({ role, redisUrl: sharedRedis, ttlMs, log, start });
      leases[role] = elected.lease;
      leadership.track(role, () => elected.lease.leading);
      shutdown.add(stage, () => elected.stop());
    };

    const hub = new IncidentEventHub();
    hub.subscribe((incident) => metrics.recordIncident(incident));
    if (has("detector")) {
      // Publishing only: delivery and reminders are the alerts role's. Job ids come from the event, so the
      // same event published by two leaders (one deposed mid-pass) is one job.
      const publisher = await startAlerts({ config, redisUrl: sharedRedis, logger: log, worker: false, reminders: false });
      shutdown.add("alerts", () => publisher.close());
      elect("detector", "detector", async (lease) => startDetectorRole(
        { store, config, hub, dispatcher: publisher.dispatcher, intervalMs: passMs, log, ...(o.now ? { now: o.now } : {}) }, lease));
    }
    if (has("alerts")) {
      elect("alerts", "alerts", async (lease) => {
        const sender = await startAlerts({ config, redisUrl: sharedRedis, logger: log, mayDeliver: () => lease.confirm() });
        return { stop: () => sender.close() };
      });
    }
    if (has("scheduler")) {
      // Local probes measure from this machine: every scheduler candidate runs their workers (a job is taken once).
      await startLocalWorkers(config, sharedRedis, log, shutdown);
      const measures = new MeasureProducer(queueConnection);
      shutdown.add("queues", () => measures.close());
      if (demo) {
        // The demo's made-up probes stand in for the scheduler: results straight into the results queue.
        const demoResults = new ResultsProducer(producerConnection);
        shutdown.add("queues", () => demoResults.close());
        elect("scheduler", "scheduler", async () => {
          const feed = new DemoFeed(config, demo.probes, targets, (ms) => demoResults.add(ms), log);
          await feed.start();
          return { stop: () => feed.stop() };
        });
      } else if (o.schedule !== false) {
        elect("scheduler", "scheduler", async () => {
          const scheduler = new Scheduler(config, targets, measures, log);
          scheduler.start();
          // Measure right away rather than waiting for the first cron slot (slot job ids: never twice).
          await scheduler.tick();
          return { stop: () => scheduler.stop() };
        });
      }
    }

    let app: { fetch: (req: Request) => Response | Promise<Response> };
    let stopStreams = () => undefined as void;
    if (has("api")) {
      // SSE: this process's own detector events at once, another leader's through the shared store.
      const poller = new StoreIncidentPoller(store, 2_000);
      const incidentEvents = has("detector") ? new MergedIncidentEvents([hub, poller]) : poller;
      const api = await startApiRole({
        config, targets, store, metrics, readiness, incidentEvents, redisUrl: sharedRedis, shutdown, log,
        siteNotice: { demo: demo !== null, text: notice }, ...(o.now ? { now: o.now } : {}),
      });
      app = api.app;
      stopStreams = api.stopStreams;
      if (has("collector")) shutdown.add("drain", () => drainResults(api.uploads, log));
    } else {
      app = createOpsApp({ readiness, metrics });
    }
    giveUpIfStopped();
    const host = o.host ?? config.server.host;
    const listener = await listen(app.fetch, host, o.port ?? config.server.port);
    const port = listener.port;
    shutdown.add("intake", async () => {
      stopStreams(); // SSE streams end, so their connections do not hold the listener open.
      await listener.close();
    });
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    log.info({ url, roles, redis: redactRedisUrl(sharedRedis), probes: config.probes.length, targets: targets.length }, "KeepWatch is running");
    return {
      url, port, redisUrl: sharedRedis, store, config, roles, leases, embeddedRedis: embedded, stop: stopAll,
      unconfirmedProbes: site.unconfirmed.map((p) => p.id), demo: demo !== null,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
