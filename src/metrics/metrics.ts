// KeepWatch's Prometheus metrics, on a Registry of their own (never prom-client's global one), so several
// instances can live in one process (tests, embedded server + worker). Counters and histograms are fed by
// recordMeasurements(); gauges are read from the store and the queues at scrape time (scrape-gauges.ts).
// No label ever holds an address, and no label value comes from an upload unless the configuration has it.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { buildInfo, type BuildInfo } from "../build-info.js";
import type { TargetConfig } from "../config/schema.js";
import { INCIDENT_KINDS, type Incident } from "../incident.js";
import type { Measurement } from "../measurement.js";
import { measurementOutcome, measurementPhases } from "./measurement-observations.js";
import { registerScrapeGauges } from "./scrape-gauges.js";
import type { MetricsSources } from "./sources.js";
import { ScrapeSnapshot } from "./snapshot.js";
import { TargetSeries } from "./target-series.js";

const PHASE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const THROUGHPUT_BUCKETS = [1e3, 1e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 1e9];

/** Why an upload was refused before its body was read (src/api/limits/). */
const UPLOAD_REFUSAL_REASONS = ["auth_failures", "token_requests", "token_measurements", "token_concurrency", "body_budget", "queue_full", "queue_unavailable"];

export interface MetricsOptions extends MetricsSources {
  /**
   * prom-client's default process_* and nodejs_* metrics under their standard names (what stock Node.js
   * dashboards query); off in tests that build many instances.
   */
  processMetrics?: boolean;
  /** The configured targets: the only values keepwatch_target_checks_total's target label takes. */
  targets?: TargetConfig[];
  /** Most (region, network, target) series kept; checks beyond are counted as dropped. */
  maxTargetSeries?: number;
  /** keepwatch_demo 1: this server shows synthetic demo data (`keepwatch serve --demo`). */
  demo?: boolean;
  /** keepwatch_build_info's labels (default: this package, its commit, this Node.js). */
  build?: BuildInfo;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly measurements: Counter<"region" | "network" | "list" | "outcome">;
  private readonly phases: Histogram<"phase" | "region">;
  private readonly throughput: Histogram<"region" | "network">;
  private readonly uploads: Counter<"outcome">;
  private readonly uploadRefusals: Counter<"reason">;
  private readonly incidentsOpened: Counter<"kind">;
  private readonly openedIds = new Set<string>();
  private readonly targetSeries: TargetSeries;
  private readonly resetScrape: () => void;

  constructor(private readonly sources: MetricsOptions = {}) {
    const registers = [this.registry];
    if (sources.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const build = sources.build ?? buildInfo();
    new Gauge({
      name: "keepwatch_build_info",
      help: "Always 1; the labels say which KeepWatch (version, git commit) runs on which Node.js",
      labelNames: ["version", "commit", "node"],
      registers,
    }).set({ version: build.version, commit: build.commit, node: build.node }, 1);
    new Gauge({
      name: "keepwatch_demo",
      help: "1 when this server shows synthetic demo data (keepwatch serve --demo), 0 when it measures for real",
      registers,
    }).set(sources.demo ? 1 : 0);

    this.measurements = new Counter({
      name: "keepwatch_measurements_total",
      help: "Measurements stored, by region, network, target list and outcome (ok, down, blocked_<layer>, failed_<layer> when no control could tell)",
      labelNames: ["region", "network", "list", "outcome"],
      registers,
    });
    this.phases = new Histogram({
      name: "keepwatch_phase_duration_seconds",
      help: "Duration of each phase of a site check, by region",
      labelNames: ["phase", "region"],
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
    // Known label values start at 0, so rate() and increase() see the first event instead of a new series.
    for (const reason of UPLOAD_REFUSAL_REASONS) this.uploadRefusals.inc({ reason }, 0);
    for (const kind of INCIDENT_KINDS) this.incidentsOpened.inc({ kind }, 0);
    this.targetSeries = new TargetSeries(registers, {
      ...(sources.config ? { config: sources.config } : {}),
      ...(sources.targets ? { targets: sources.targets } : {}),
      ...(sources.maxTargetSeries !== undefined ? { maxSeries: sources.maxTargetSeries } : {}),
    });
    this.resetScrape = registerScrapeGauges(registers, new ScrapeSnapshot(sources), sources);
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
      for (const [phase, seconds] of measurementPhases(m)) this.phases.observe({ phase, region: m.region }, seconds);
      this.targetSeries.record(m);
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
    this.resetScrape();
    return this.registry.metrics();
  }
}
