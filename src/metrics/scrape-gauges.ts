// Gauges read at scrape time from the store (through one ScrapeSnapshot per scrape) and from the queues.
// A source that does not answer drops its series rather than failing the scrape or showing a made-up 0.
import { Gauge, type Registry } from "prom-client";
import { QUEUES } from "../queue/names.js";
import type { MetricsSources } from "./sources.js";
import { ScrapeSnapshot } from "./snapshot.js";

/** Queue states reported; "prioritized" and "waiting-children" are BullMQ's too. */
const QUEUE_STATES = ["waiting", "active", "delayed", "completed", "failed", "paused", "prioritized", "waiting-children"];

/** The `network` label value of a region's overall state (the worst of its networks' and its own incidents). */
export const ALL_NETWORKS = "all";

/** Registers the gauges; the function returned is called at the start of each scrape (fresh readings). */
export function registerScrapeGauges(registers: Registry[], snapshot: ScrapeSnapshot, sources: MetricsSources): () => void {
  const leadership = sources.leadership;
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
    help: `1 for the state each region (network="${ALL_NETWORKS}") and each of its networks is in (normal, unknown or an incident kind), 0 for the others`,
    labelNames: ["region", "network", "state"],
    registers,
    async collect() {
      this.reset();
      const view = await snapshot.regions();
      for (const r of view?.regions ?? []) {
        for (const state of ScrapeSnapshot.STATES) {
          this.set({ region: r.id, network: ALL_NETWORKS, state }, r.state === state ? 1 : 0);
          for (const n of r.networks) this.set({ region: r.id, network: n.id, state }, n.state === state ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: "keepwatch_store_health",
    help: "1 for the store's state at this scrape (up: takes writes; locked: readable, writes wait; down), 0 for the others",
    labelNames: ["status"],
    registers,
    async collect() {
      this.reset();
      const health = await snapshot.storeHealth();
      if (health === null) return;
      for (const status of ["up", "locked", "down"] as const) this.set({ status }, health === status ? 1 : 0);
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
  const resetBacklog = registerBacklogGauges(registers, sources);
  const queues = sources.queues ?? [];
  const timeoutMs = sources.queueTimeoutMs ?? 2_000;
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
  return () => {
    snapshot.reset();
    resetBacklog();
  };
}

/** Results backlog: one read per scrape shared by its two gauges; Redis down drops both series. */
function registerBacklogGauges(registers: Registry[], sources: MetricsSources): () => void {
  const source = sources.resultsBacklog;
  if (!source) return () => undefined;
  const timeoutMs = sources.queueTimeoutMs ?? 2_000;
  let reading: Promise<{ jobs: number; oldestAcceptedAt: Date | null } | null> | null = null;
  const read = () => (reading ??= withTimeout(source.read(), timeoutMs).catch(() => null));
  // Ages use the wall clock, not sources.clock: BullMQ stamps jobs with Date.now().
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
  return () => {
    reading = null;
  };
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
