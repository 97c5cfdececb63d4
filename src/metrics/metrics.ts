// KeepWatch's Prometheus metrics, on a Registry of their own (never prom-client's global one), so several
// instances can live in one process (tests, embedded server + worker). Counters and histograms are fed by
// recordMeasurements(); gauges are read from the store and the queues at scrape time by collect callbacks.
// No label ever holds an address.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Incident } from "../incident.js";
import type { Measurement } from "../measurement.js";
import { measurementOutcome, measurementPhases } from "./measurement-observations.js";
import { QUEUES } from "../queue/names.js";
import type { MetricsSources } from "./sources.js";
import { ScrapeSnapshot } from "./snapshot.js";

const PHASE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const THROUGHPUT_BUCKETS = [1e3, 1e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 1e9];
/**
 * prom-client names these gauges *_total, which Prometheus reserves for counters (promtool flags them); the
 * per-type series without the suffix (keepwatch_nodejs_active_handles, …) stay.
 */
const MISNAMED_DEFAULT_GAUGES = ["active_handles", "active_requests", "active_resources"];
/** Queue states reported; "prioritized" and "waiting-children" are BullMQ's too. */
const QUEUE_STATES = ["waiting", "active", "delayed", "completed", "failed", "paused", "prioritized", "waiting-children"];

export interface MetricsOptions extends MetricsSources {
  /** Process metrics (CPU, memory, event loop lag) prefixed keepwatch_; off in tests that build many instances. */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly measurements: Counter<"region" | "network" | "list" | "outcome">;
  private readonly phases: Histogram<"phase">;
  private readonly throughput: Histogram<"region" | "network">;
  private readonly uploads: Counter<"outcome">;
  private readonly uploadRefusals: Counter<"reason">;
  private readonly incidentsOpened: Counter<"kind">;
  private readonly openedIds = new Set<string>();
  private readonly snapshot: ScrapeSnapshot;
  private backlogReading: Promise<{ jobs: number; oldestAcceptedAt: Date | null } | null> | null = null;

  constructor(private readonly sources: MetricsOptions = {}) {
    const registers = [this.registry];
    this.snapshot = new ScrapeSnapshot(sources);
    if (sources.processMetrics !== false) this.registerProcessMetrics();

    this.measurements = new Counter({
      name: "keepwatch_measurements_total",
      help: "Measurements stored, by region, network, target list and outcome (ok, down, blocked_<layer>, failed_<layer> when no control could tell)",
      labelNames: ["region", "network", "list", "outcome"],
      registers,
    });
    this.phases = new Histogram({
      name: "keepwatch_phase_duration_seconds",
      help: "Duration of each phase of a site check",
      labelNames: ["phase"],
      buckets: PHASE_BUCKETS,
      registers,
    });
    this.throughput = new Histogram({
      name: "keepwatch_throughput_bytes_per_second",
      help: "Download throughput of throughput targets",
      labelNames: ["region", "network"],
      buckets: THROUGHPUT_BUCKETS,
      registers,
    });
    this.uploads = new Counter({
      name: "keepwatch_upload_measurements_total",
      help: "Measurements received by POST /api/v1/measurements, by outcome (accepted, rejected)",
      labelNames: ["outcome"],
      registers,
    });
    this.uploadRefusals = new Counter({
      name: "keepwatch_upload_refusals_total",
      help: "Uploads refused by a limit before their body was read, by reason (429: auth_failures, token_requests, token_measurements, token_concurrency; 503: body_budget, queue_full, queue_unavailable)",
      labelNames: ["reason"],
      registers,
    });
    this.incidentsOpened = new Counter({
      name: "keepwatch_incidents_opened_total",
      help: "Incidents seen opening since this process started",
      labelNames: ["kind"],
      registers,
    });
    this.registerScrapeGauges(registers);
  }

  private registerProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: "keepwatch_" });
    for (const name of MISNAMED_DEFAULT_GAUGES) {
      this.registry.removeSingleMetric(`keepwatch_nodejs_${name}_total`);
    }
  }

  private registerScrapeGauges(registers: Registry[]): void {
    const snapshot = this.snapshot;
    const leadership = this.sources.leadership;
    if (leadership) {
      new Gauge({
        name: "keepwatch_role",
        help: "1 for each role this process runs (api, collector, detector, scheduler, alerts)",
        labelNames: ["role"],
        registers,
        collect() {
          this.reset();
          for (const role of leadership.roles) this.set({ role }, 1);
        },
      });
      new Gauge({
        name: "keepwatch_leader",
        help: "Per singleton role this process runs: 1 while it is the elected leader, 0 while it follows",
        labelNames: ["role"],
        registers,
        collect() {
          this.reset();
          for (const [role, leads] of Object.entries(leadership.leading())) this.set({ role }, leads ? 1 : 0);
        },
      });
    }
    new Gauge({
      name: "keepwatch_success_ratio",
      help: "Share of successful checks in the recent window, by region, network and target list",
      labelNames: ["region", "network", "list"],
      registers,
      async collect() {
        this.reset();
        const view = await snapshot.regions();
        for (const r of view?.regions ?? []) {
          for (const n of r.networks) {
            for (const list of ["whitelisted", "non_whitelisted"] as const) {
              const v = n.ratios[list];
              if (v !== null) this.set({ region: r.id, network: n.id, list }, v);
            }
          }
        }
      },
    });
    new Gauge({
      name: "keepwatch_region_state",
      help: "1 for the state each region is in (normal, unknown or an incident kind), 0 for the others",
      labelNames: ["region", "state"],
      registers,
      async collect() {
        this.reset();
        const view = await snapshot.regions();
        for (const r of view?.regions ?? []) {
          for (const state of ScrapeSnapshot.STATES) this.set({ region: r.id, state }, r.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: "keepwatch_probe_last_seen_timestamp_seconds",
      help: "Unix time of each probe's newest stored measurement",
      labelNames: ["probe", "region"],
      registers,
      async collect() {
        this.reset();
        for (const p of await snapshot.probes()) {
          if (p.lastSeenAt !== null) this.set({ probe: p.id, region: p.region }, Date.parse(p.lastSeenAt) / 1000);
        }
      },
    });
    new Gauge({
      name: "keepwatch_incidents",
      help: "Stored incidents by kind and status",
      labelNames: ["kind", "status"],
      registers,
      async collect() {
        this.reset();
        for (const [key, n] of await snapshot.incidentCounts()) {
          const [kind = "", status = ""] = key.split("|");
          this.set({ kind, status }, n);
        }
      },
    });
    this.registerBacklogGauges(registers);
    const queues = this.sources.queues ?? [];
    const timeoutMs = this.sources.queueTimeoutMs ?? 2_000;
    new Gauge({
      name: "keepwatch_queue_jobs",
      help: "BullMQ jobs per queue and state, read at scrape",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          queues.map(async (q) => {
            try {
              // BullMQ retries a lost connection forever; a scrape must not wait for that.
              const counts = await withTimeout(q.getJobCounts(...QUEUE_STATES), timeoutMs);
              for (const state of QUEUE_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
            } catch {
              // Redis down: the queue's series disappear, which an alert on absent() catches.
            }
          }),
        );
      },
    });
  }

  /** Results backlog: one read per scrape shared by its two gauges; Redis down drops both series. */
  private registerBacklogGauges(registers: Registry[]): void {
    const source = this.sources.resultsBacklog;
    if (!source) return;
    const timeoutMs = this.sources.queueTimeoutMs ?? 2_000;
    // Ages use the wall clock, not sources.clock: BullMQ stamps jobs with Date.now().
    const read = () => (this.backlogReading ??= withTimeout(source.read(), timeoutMs).catch(() => null));
    new Gauge({
      name: "keepwatch_results_backlog",
      help: "Results jobs accepted but not yet stored (waiting, delayed for a retry, active, paused or failed)",
      // A label, so that an unknown reading (Redis down) drops the series instead of showing 0.
      labelNames: ["queue"],
      registers,
      async collect() {
        this.reset();
        const r = await read();
        if (r) this.set({ queue: QUEUES.results }, r.jobs);
      },
    });
    new Gauge({
      name: "keepwatch_results_backlog_oldest_age_seconds",
      help: "Age of the oldest results job accepted but not yet stored (0 when there is none)",
      labelNames: ["queue"],
      registers,
      async collect() {
        this.reset();
        const r = await read();
        if (r) this.set({ queue: QUEUES.results }, r.oldestAcceptedAt ? Math.max(0, (Date.now() - r.oldestAcceptedAt.getTime()) / 1000) : 0);
      },
    });
  }

  /** Called by the collector after a batch is stored. */
  recordMeasurements(ms: Measurement[]): void {
    for (const m of ms) {
      this.measurements.inc({
        region: m.region,
        network: m.network.id,
        list: m.target.list,
        outcome: measurementOutcome(m),
      });
      for (const [phase, seconds] of measurementPhases(m)) this.phases.observe({ phase }, seconds);
      const bps = m.throughput?.bytesPerSecond;
      if (bps !== null && bps !== undefined) this.throughput.observe({ region: m.region, network: m.network.id }, bps);
    }
  }

  recordUpload(accepted: number, rejected: number): void {
    if (accepted > 0) this.uploads.inc({ outcome: "accepted" }, accepted);
    if (rejected > 0) this.uploads.inc({ outcome: "rejected" }, rejected);
  }

  recordUploadRefusal(reason: string): void {
    this.uploadRefusals.inc({ reason });
  }

  /** Counts an incident the first time it is seen open (subscribe this to the incident events). */
  recordIncident(incident: Incident): void {
    if (incident.status !== "open" || this.openedIds.has(incident.id)) return;
    if (this.openedIds.size >= 100_000) this.openedIds.clear(); // Bound memory; a re-count is harmless.
    this.openedIds.add(incident.id);
    this.incidentsOpened.inc({ kind: incident.kind });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition (runs the scrape-time collectors). */
  async render(): Promise<string> {
    this.snapshot.reset();
    this.backlogReading = null;
    return this.registry.metrics();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
