// Detector benchmark: one pass over 20 regions × 200 targets (goal < 50 ms for the pure core).
//   npx tsx bench/detect.ts
// 1. Pure core: indexWindows + evaluate over the newest window, a 30-minute and the default 3-hour
//    horizon (3 h = 36 windows × 20 regions × 200 targets × 2 probes + a control vantage = 295 200 rollup
//    rows), with 2% random failures, one region on a whitelist and one throttled, baselines precomputed
//    (they are cached between passes). The 3-hour horizon is what lets late (spooled) data revise.
// 2. Baseline refresh (hourly per region): computeBaseline over 168 h of one region's windows.
// 3. End to end on a SQLite store (temp file): measurements written through insertMeasurements, then
//    Detector.runPass() cold (computes and caches baselines) and warm (the steady state).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { detectorConfigSchema } from "../src/config/schema.js";
import { computeBaseline, type Baseline } from "../src/detect/baseline.js";
import { Detector } from "../src/detect/detector.js";
import { evaluate } from "../src/detect/evaluate.js";
import { indexWindows } from "../src/detect/window.js";
import type { Measurement, TargetList } from "../src/measurement.js";
import type { TargetStatsRow } from "../src/store/store.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { fixtureMeasurement } from "../tests/fixtures/measurement.js";

const REGIONS = Array.from({ length: 20 }, (_, i) => `KZ-${String(10 + i * 3)}`);
const NETWORK = "kcell-mobile";
const PROBES = ["p1", "p2"];
const TARGETS: { url: string; list: TargetList; category: string }[] = Array.from({ length: 200 }, (_, i) => ({
  url: i < 50 ? `https://gov${i}.example.kz/` : `https://site${i}.example.com/`,
  list: i < 50 ? "whitelisted" : "non_whitelisted",
  category: i < 50 ? "gov" : ["news", "social", "messengers", "video", "shop"][i % 5] ?? "misc",
}));
const WINDOW_S = 300;
const WINDOW_MS = WINDOW_S * 1000;
const NOW = Date.parse("2026-03-10T12:00:00.000Z");
const config = detectorConfigSchema.parse({ windowSeconds: WINDOW_S });

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome { ok: boolean; blocking: "tcp" | "tls" | null; throughput: number | null; tls: number }

/** Region 0 goes whitelist-only and region 1 is throttled in the last hour; 2% noise everywhere. */
function outcome(region: number, target: number, windowStart: number, random: () => number): Outcome {
  const t = TARGETS[target];
  const lastHour = windowStart >= NOW - 3_600_000;
  if (region === 0 && lastHour && t?.list === "non_whitelisted") return { ok: false, blocking: "tls", throughput: null, tls: 0.05 };
  const slow = region === 1 && lastHour;
  if (random() < 0.02) return { ok: false, blocking: "tcp", throughput: null, tls: 0.05 };
  return { ok: true, blocking: null, throughput: target % 20 === 0 ? (slow ? 150_000 : 2_000_000) : null, tls: slow ? 0.6 : 0.05 };
}

function rows(from: number, to: number, regions: readonly string[], probes: readonly string[], withControl: boolean): TargetStatsRow[] {
  const random = rng(7);
  const out: TargetStatsRow[] = [];
  const push = (region: string, regionIndex: number, probe: string, role: "region" | "control", start: number): void => {
    TARGETS.forEach((t, i) => {
      const o = role === "control" ? { ok: true, blocking: null, throughput: null, tls: 0.05 } : outcome(regionIndex, i, start, random);
      out.push({
        bucketStart: new Date(start).toISOString(), region, network: role === "control" ? "hetzner" : NETWORK, probeId: probe,
        role, url: t.url, list: t.list, category: t.category, total: 1, ok: o.ok ? 1 : 0,
        blocked: o.blocking ? { [o.blocking]: 1 } : {}, down: 0, dnsFailures: 0,
        throughputSum: o.throughput ?? 0, throughputCount: o.throughput === null ? 0 : 1,
        tlsHandshakeSum: o.tls, tlsHandshakeCount: 1, lastAt: new Date(start + 60_000).toISOString(),
      });
    });
  };
  for (let start = from; start < to; start += WINDOW_MS) {
    regions.forEach((region, r) => { for (const p of probes) push(region, r, p, "region", start); });
    if (withControl) push("CONTROL-EU", -1, "c1", "control", start);
  }
  return out;
}

function stats(samples: number[]): { median: number; p95: number; min: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), min: s[0] ?? Number.NaN };
}

async function time<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

export interface PureResult {
  horizonMinutes: number;
  rows: number;
  ms: { median: number; p95: number; min: number };
  findings: string[];
}

export interface DetectBenchResult {
  pure: PureResult[];
  baselineRefreshMs: number;
  baselineRefreshRows: number;
  e2e: { measurements: number; insertMs: number; coldPassMs: number; warmPassMs: { horizonMinutes: number; median: number; p95: number; min: number }[]; findings: string[] } | null;
}

export async function benchDetect(opts: { e2e?: boolean; runs?: number } = {}): Promise<DetectBenchResult> {
  const runs = opts.runs ?? 20;
  const horizonFrom = NOW - 3 * 3_600_000;
  // Baselines from the 12 hours before the horizon, as the cache would hold them.
  const history = indexWindows(rows(horizonFrom - 12 * 3_600_000, horizonFrom, REGIONS, PROBES, false), WINDOW_S);
  const baselines = new Map<string, Baseline>();
  for (const [key, windows] of history.networks) baselines.set(key, computeBaseline(windows, [], config, horizonFrom));

  // The newest window only (what a purely incremental detector reads), 30 minutes, and the default 3 hours.
  const pure: PureResult[] = [];
  for (const horizonMinutes of [WINDOW_S / 60, 30, 180]) {
    const from = NOW - horizonMinutes * 60_000;
    const horizonRows = rows(from, NOW, REGIONS, PROBES, true);
    const pass = () => evaluate({
      index: indexWindows(horizonRows, WINDOW_S), baselines, seeds: new Map(), regions: REGIONS, seen: [],
      from, now: NOW, config,
    });
    for (let i = 0; i < 3; i++) pass(); // JIT warm-up
    const samples: number[] = [];
    let findings: string[] = [];
    for (let i = 0; i < runs; i++) {
      const [r, ms] = await time(pass);
      samples.push(ms);
      findings = r.findings.map((f) => `${f.region}/${f.network}:${f.kind}`);
    }
    pure.push({ horizonMinutes, rows: horizonRows.length, ms: stats(samples), findings });
  }

  // Hourly baseline refresh of one region over the full 168 h (one probe, to bound memory).
  const weekRows = rows(NOW - config.baselineHours * 3_600_000, NOW, [REGIONS[2]!], ["p1"], false);
  const [, baselineRefreshMs] = await time(() => {
    const idx = indexWindows(weekRows, WINDOW_S);
    for (const windows of idx.networks.values()) computeBaseline(windows, [], config, NOW);
  });

  let e2e: DetectBenchResult["e2e"] = null;
  if (opts.e2e !== false) e2e = await endToEnd(runs);
  return { pure, baselineRefreshMs, baselineRefreshRows: weekRows.length, e2e };
}

async function endToEnd(runs: number): Promise<NonNullable<DetectBenchResult["e2e"]>> {
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-detect-"));
  const store = new SqliteStore(join(dir, "kw.db"));
  try {
    await store.migrate();
    // 4 hours: 1 hour of warm-up/baseline, then the 3-hour horizon.
    const from = NOW - 4 * 3_600_000;
    const random = rng(11);
    let measurements = 0;
    let insertMs = 0;
    for (let start = from; start < NOW; start += WINDOW_MS) {
      const batch: Measurement[] = [];
      REGIONS.forEach((region, r) => PROBES.forEach((probeId, p) => TARGETS.forEach((t, i) => {
        const o = outcome(r, i, start, random);
        batch.push(fixtureMeasurement({
          probeId: `${region}-${probeId}`, region, network: NETWORK, url: t.url, list: t.list, category: t.category,
          startedAt: new Date(start + 10_000 + i * 100 + p * 50).toISOString(), accessible: o.ok, blocking: o.blocking,
          failure: o.ok ? null : "tls_reset", bytesPerSecond: o.throughput, handshakeTime: o.tls,
        }));
      })));
      TARGETS.forEach((t, i) => batch.push(fixtureMeasurement({
        probeId: "c1", role: "control", region: "CONTROL-EU", network: "hetzner", url: t.url, list: t.list,
        category: t.category, startedAt: new Date(start + 10_000 + i * 100).toISOString(),
      })));
      const [, ms] = await time(() => store.insertMeasurements(batch));
      insertMs += ms;
      measurements += batch.length;
    }
    const detector = (horizonHours: number) =>
      new Detector({ store, config, onEvent: () => {}, now: () => new Date(NOW), regions: REGIONS, horizonHours });
    const [first, coldPassMs] = await time(() => detector(3).runPass());
    const warmPassMs: NonNullable<DetectBenchResult["e2e"]>["warmPassMs"] = [];
    for (const horizonMinutes of [30, 180]) {
      const d = detector(horizonMinutes / 60);
      const samples: number[] = [];
      for (let i = 0; i < Math.min(runs, 5); i++) samples.push((await time(() => d.runPass()))[1]);
      warmPassMs.push({ horizonMinutes, ...stats(samples) });
    }
    return {
      measurements, insertMs, coldPassMs, warmPassMs,
      findings: first.findings.map((f) => `${f.region}/${f.network}:${f.kind}`),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchDetect();
  const f = (x: number): string => `${x.toFixed(1)} ms`;
  console.log(`pure core, one pass, ${REGIONS.length} regions × ${TARGETS.length} targets × ${PROBES.length} probes (goal < 50 ms):`);
  for (const p of r.pure) {
    console.log(`  horizon ${p.horizonMinutes} min (${p.rows} rows): median ${f(p.ms.median)}, p95 ${f(p.ms.p95)}, min ${f(p.ms.min)}; findings: ${p.findings.join(", ") || "none"}`);
  }
  console.log(`baseline refresh, one region, ${config.baselineHours} h (${r.baselineRefreshRows} rows): ${f(r.baselineRefreshMs)}`);
  if (r.e2e) {
    console.log(`end to end on SQLite (${r.e2e.measurements} measurements, inserted in ${f(r.e2e.insertMs)}):`);
    console.log(`  cold pass (computes and caches baselines, 3 h horizon) ${f(r.e2e.coldPassMs)}; findings: ${r.e2e.findings.join(", ")}`);
    for (const w of r.e2e.warmPassMs) console.log(`  warm pass, horizon ${w.horizonMinutes} min: median ${f(w.median)}, p95 ${f(w.p95)}, min ${f(w.min)}`);
  }
}
