// Plays a scenario through the production path: Measurements (the real type) go into a real SQLite
// store in a temp dir as they would arrive, and the detector loop (DetectorLoop around a Detector, with
// an injected clock) runs its passes at the loop's own interval. Time is simulated: nothing sleeps.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { detectorConfigSchema, type DetectorConfig } from "../../../src/config/schema.js";
import { Detector } from "../../../src/detect/detector.js";
import type { Incident } from "../../../src/incident.js";
import type { IncidentEvent } from "../../../src/detect/reconcile.js";
import type { Measurement } from "../../../src/measurement.js";
import { DetectorLoop } from "../../../src/serve/detector-loop.js";
import { SqliteStore } from "../../../src/store/sqlite.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { mulberry32 } from "../synthetic.js";
import { CONTROL_REGION, REGION, type Outcome, type Regime, type Scenario, type ScenarioTarget } from "./library.js";

export interface Cadence {
  name: string;
  /** The probes' schedule: one round over every target per interval. */
  intervalSeconds: number;
  /** Detector settings for this cadence (README: "Detector"). */
  detector: Partial<DetectorConfig>;
  /** Where in its interval a round starts, and how long it takes (fractions of the interval). */
  roundStart: number;
  roundSpread: number;
  /** Seconds from a measurement's start to its arrival in the store. */
  uploadSeconds: number;
}

/** The default deployment: a 5-minute cron, 300 s windows, one probe per network. */
export const PRODUCTION: Cadence = {
  name: "production", intervalSeconds: 300, detector: { windowSeconds: 300 }, roundStart: 0.1, roundSpread: 0.3, uploadSeconds: 2,
};

/** A namespace lab: a 10 s cron; rounds take most of the interval and spill over the window edge. */
export const LAB: Cadence = {
  name: "lab", intervalSeconds: 10, detector: { windowSeconds: 10, darkAfterSeconds: 30, baselineRefreshSeconds: 60 },
  roundStart: 0.5, roundSpread: 0.8, uploadSeconds: 0.5,
};

/** 2026-01-05T00:00:00Z, a Monday. */
export const T0 = Date.UTC(2026, 0, 5);

/** Rounds before this are history only: the detector loop starts here. */
export const FIRST_PASS_ROUND = 24;

export interface ScenarioRun {
  incidents: Incident[];
  events: (IncidentEvent & { passAt: number })[];
  /** Onset time (epoch ms) of each phase. */
  onsets: number[];
  intervalMs: number;
  errors: string[];
}

export function onsetOf(c: Cadence, fromRound: number): number {
  return T0 + (fromRound + c.roundStart + c.roundSpread / 2) * c.intervalSeconds * 1000;
}

function usualFor(role: "region" | "control", target: ScenarioTarget, random: () => number): () => Outcome {
  return () => {
    const jitter = 0.9 + 0.2 * random();
    return {
      ok: true,
      tls: (role === "control" ? 0.03 : 0.05) * jitter,
      ...(target.throughput ? { bytesPerSecond: (role === "control" ? 6_000_000 : 2_000_000) * jitter } : {}),
    };
  };
}

function toMeasurement(o: Outcome, base: Parameters<typeof fixtureMeasurement>[0]): Measurement {
  const m = fixtureMeasurement({
    ...base,
    accessible: o.ok,
    blocking: o.ok ? null : o.blocking ?? null,
    failure: o.ok ? null : o.failure ?? "generic_timeout_error",
    bytesPerSecond: o.bytesPerSecond ?? null,
    ...(o.tls !== undefined ? { handshakeTime: o.tls } : {}),
  });
  // The layers as such a failure leaves them: nothing after the layer that failed.
  const layer = o.ok ? null : o.blocking;
  if (layer === "dns") {
    m.check.dns = m.check.dns.map((d) => ({ ...d, rcode: "NXDOMAIN", addresses: [], failure: "dns_nxdomain" as const }));
    m.check.tcp = [];
    m.check.tls = [];
  } else if (layer === "tcp") {
    const failure = o.failure?.includes("reset") ? "tcp_reset" as const : o.failure?.includes("refused") ? "tcp_refused" as const : "tcp_timeout" as const;
    m.check.tcp = m.check.tcp.map((t) => ({ ...t, failure, connectTime: null }));
    m.check.tls = [];
  } else if (layer === "tls") {
    const failure = o.failure?.includes("reset") ? "tls_reset" as const : "tls_timeout" as const;
    m.check.tls = m.check.tls.map((t) => ({ ...t, failure, handshakeTime: null, protocol: null, alpn: null }));
  }
  return m;
}

/** Every measurement of the scenario at this cadence, with its arrival time, in arrival order. */
export function measurements(s: Scenario, c: Cadence): { at: number; m: Measurement }[] {
  const random = mulberry32(s.seed ?? 7);
  const I = c.intervalSeconds * 1000;
  const onsets = s.phases.map((p) => onsetOf(c, p.fromRound));
  const regimeAt = (t: number): Regime => {
    let r = s.phases[0]?.regime;
    for (let i = 0; i < s.phases.length; i++) if ((onsets[i] ?? 0) <= t) r = s.phases[i]?.regime;
    if (!r) throw new Error(`scenario ${s.name} has no phase`);
    return r;
  };
  const vantages = [
    ...s.networks.flatMap((n) => n.probes.map((probe) => ({ role: "region" as const, region: REGION, network: n.network, kind: n.kind, probe }))),
    { role: "control" as const, region: CONTROL_REGION, network: "hetzner", kind: "fixed" as const, probe: "ctl1" },
  ];
  const out: { at: number; m: Measurement }[] = [];
  for (let round = 0; round < s.rounds; round++) {
    vantages.forEach((v, vi) => {
      s.targets.forEach((target, ti) => {
        const startedAt = T0 + round * I + (c.roundStart + (c.roundSpread * ti) / s.targets.length) * I + vi * 37;
        const o = regimeAt(startedAt)({
          role: v.role, network: v.network, probe: v.probe, target, round, random, usual: usualFor(v.role, target, random),
        });
        if (o === "skip") return;
        const m = toMeasurement(o, {
          probeId: v.probe, role: v.role, region: v.region, network: v.network, url: target.url, list: target.list,
          category: target.category, startedAt: new Date(startedAt).toISOString(),
        });
        m.network = { ...m.network, kind: v.kind };
        out.push({ at: startedAt + c.uploadSeconds * 1000, m });
      });
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Runs the scenario: history first, then the detector loop every loop interval to the last round's end. */
export async function runScenario(s: Scenario, c: Cadence): Promise<ScenarioRun> {
  const dir = mkdtempSync(join(tmpdir(), "kw-scenario-"));
  const store = new SqliteStore(join(dir, "kw.db"));
  const errors: string[] = [];
  try {
    await store.migrate();
    const config = detectorConfigSchema.parse(c.detector);
    const events: (IncidentEvent & { passAt: number })[] = [];
    let clock = 0;
    const detector = new Detector({
      store, config, regions: [REGION], now: () => new Date(clock),
      onEvent: (e) => { events.push({ ...e, passAt: clock }); },
    });
    const sink = new Writable({ write(chunk, _enc, done) { errors.push(String(chunk)); done(); } });
    // The server's loop interval (src/serve/server.ts): a pass every half window, at most every minute.
    const passMs = Math.min(60_000, config.windowSeconds * 500);
    const loop = new DetectorLoop(detector, passMs, pino({ level: "error" }, sink));

    const I = c.intervalSeconds * 1000;
    const all = measurements(s, c);
    let next = 0;
    const arriveUntil = async (t: number): Promise<void> => {
      const batch: Measurement[] = [];
      while (next < all.length && (all[next]?.at ?? Infinity) <= t) batch.push((all[next++] as { m: Measurement }).m);
      for (let i = 0; i < batch.length; i += 500) await store.insertMeasurements(batch.slice(i, i + 500));
    };
    const end = T0 + s.rounds * I;
    for (clock = T0 + FIRST_PASS_ROUND * I; clock <= end; clock += passMs) {
      await arriveUntil(clock);
      await loop.runOnce();
    }
    const incidents = await store.listIncidents({});
    return { incidents, events, onsets: s.phases.map((p) => onsetOf(c, p.fromRound)), intervalMs: I, errors };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
