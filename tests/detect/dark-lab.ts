// A small, self-contained scenario builder for the darkness scenarios: probes with their own cadence,
// phase, arrival delay, clock error and behaviour over time; their measurements go into a real SQLite
// store only once they have "arrived" by the injected clock; the production Detector runs a pass at
// every step (or at the steps asked for). No sleeping: the clock is a number.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectorConfigSchema, type DetectorConfig } from "../../src/config/schema.js";
import { Detector, type DetectorOptions } from "../../src/detect/detector.js";
import type { Incident } from "../../src/incident.js";
import type { IncidentEvent } from "../../src/detect/reconcile.js";
import type { Measurement } from "../../src/measurement.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { makeTargets } from "./synthetic.js";

export const TARGETS = makeTargets(4, 8);
/** 2026-01-05T00:00:00Z */
export const T0 = Date.UTC(2026, 0, 5);

/** What a probe does in the round it starts at time t. */
export type Behaviour = "ok" | "whitelist_only" | "full" | "silent" | "local_outage";

export interface LabProbe {
  id: string;
  region: string;
  network: string;
  role?: "region" | "control";
  /** Seconds between rounds. */
  cadence: number;
  /** Seconds after each multiple of the cadence that a round starts (default 30 s, or a tenth of a short cadence). */
  phase?: number;
  behave?: (t: number) => Behaviour;
  /** Milliseconds from taking a measurement to its arrival (upload delay, spooling). */
  delay?: (t: number) => number;
  /** Milliseconds the probe's clock is off (its stamps are t + skew). */
  skew?: number;
}

export interface Cadence {
  name: string;
  /** Window and probe interval, seconds. */
  interval: number;
  config: Partial<DetectorConfig>;
}

export const PRODUCTION: Cadence = { name: "production (300 s)", interval: 300, config: { windowSeconds: 300 } };
export const LAB: Cadence = {
  name: "lab (10 s)", interval: 10,
  // What a lab with short intervals must change (README): the absolute times, scaled to its interval.
  config: { windowSeconds: 10, darkAfterSeconds: 30, uploadGraceSeconds: 4, baselineHours: 1, skewToleranceSeconds: 10, retireAfterSeconds: 600 },
};

export class Lab {
  readonly dir = mkdtempSync(join(tmpdir(), "kw-dark-lab-"));
  readonly store = new SqliteStore(join(this.dir, "kw.db"));
  readonly events: { at: number; event: IncidentEvent }[] = [];
  clock = T0;
  private readonly pending: { arrive: number; m: Measurement }[] = [];
  private readonly nextRound = new Map<LabProbe, number>();
  detector!: Detector;

  constructor(readonly probes: LabProbe[], readonly cadence: Cadence, readonly overrides: Partial<DetectorConfig> = {}, readonly options: Partial<DetectorOptions> = {}) {}

  get config(): DetectorConfig {
    return detectorConfigSchema.parse({ ...this.cadence.config, ...this.overrides });
  }

  async start(): Promise<void> {
    await this.store.migrate();
    this.detector = this.newDetector();
  }

  newDetector(extra: Partial<DetectorOptions> = {}): Detector {
    return new Detector({
      store: this.store, config: this.config, now: () => new Date(this.clock),
      regions: ["KZ-75", "KZ-ALA", "KZ-77"],
      onEvent: (event) => { this.events.push({ at: this.clock, event }); },
      ...this.options, ...extra,
    });
  }

  async stop(): Promise<void> {
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Seconds → ms on this lab's interval scale: `units` probe intervals. */
  ms(units: number): number {
    return units * this.cadence.interval * 1000;
  }

  private round(p: LabProbe, t: number): Measurement[] {
    const behaviour = p.behave?.(t) ?? "ok";
    if (behaviour === "silent") return [];
    return TARGETS.map((target, i) => {
      const cut = behaviour === "full" || behaviour === "local_outage" || (behaviour === "whitelist_only" && target.list === "non_whitelisted");
      const m = fixtureMeasurement({
        probeId: p.id, role: p.role ?? "region", region: p.region, network: p.network, url: target.url, list: target.list,
        category: target.category, startedAt: new Date(t + (p.skew ?? 0) + i * 10).toISOString(),
        accessible: !cut, blocking: cut && behaviour === "whitelist_only" ? "tls" : null,
        failure: cut ? (behaviour === "whitelist_only" ? "tls_reset" : "tcp_timeout") : null,
      });
      if (behaviour === "local_outage") m.local = { gateway: "unreachable", resolver: "unreachable" };
      return m;
    });
  }

  /** Advance the clock to `to`, generating rounds due by then and inserting whatever has arrived. */
  async advance(to: number): Promise<void> {
    for (const p of this.probes) {
      const cadenceMs = p.cadence * 1000;
      const phase = (p.phase ?? Math.min(30, p.cadence / 10)) * 1000;
      let t = this.nextRound.get(p) ?? T0 + phase;
      for (; t <= to; t += cadenceMs) {
        for (const m of this.round(p, t)) this.pending.push({ arrive: t + (p.delay?.(t) ?? 1000), m });
      }
      this.nextRound.set(p, t);
    }
    this.clock = to;
    const due = this.pending.filter((x) => x.arrive <= to);
    if (due.length > 0) {
      await this.store.insertMeasurements(due.map((x) => x.m));
      const left = this.pending.filter((x) => x.arrive > to);
      this.pending.length = 0;
      this.pending.push(...left);
    }
  }

  /** Step window by window up to `to`, a pass at the end of each (or only where `passAt` says). */
  async run(to: number, passAt: (t: number) => boolean = () => true): Promise<void> {
    const step = this.cadence.interval * 1000;
    for (let t = Math.floor(this.clock / step) * step + step; t <= to; t += step) {
      await this.advance(t);
      if (passAt(t)) await this.detector.runPass();
    }
  }

  async incidents(): Promise<Incident[]> {
    return (await this.store.listIncidents({})).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  }

  /** When the incident was first published (its "opened" event), epoch ms. */
  publishedAt(id: string): number | null {
    return this.events.find((e) => e.event.type === "opened" && e.event.incident.id === id)?.at ?? null;
  }
}

/** Collected across scenarios: scenario → onset-to-published delay in probe intervals. */
export const delays: { scenario: string; cadence: string; intervals: number }[] = [];
