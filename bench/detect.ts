// Detector benchmark: one pass over 20 regions × 200 targets × 2 probes, 5-minute windows, the default
// 3-hour horizon (goal: a routine pass < 50 ms on the pure core).   npx tsx bench/detect.ts
// 1. One-shot evaluate() (indexWindows + classify every window) over the newest window, 30 minutes and
//    3 hours (36 windows = 295 200 rollup rows): what every pass cost before passes were incremental.
//    2% random failures, one region on a whitelist and one throttled; baselines precomputed (cached).
// 2. IncrementalEvaluator, pure core (activity summary + plan + classify + findings; the store's reads are
//    prepared untimed): a full pass (first pass after a start, hourly recheck), a routine pass (one new
//    window since the last pass) and a late-data pass (one probe of one region uploads an hour at once).
// 3. Baseline refresh (hourly per region): computeBaseline over 168 h of one region's windows.
// 4. End to end on a SQLite store (temp file): the same three passes through Detector.runPass(), with the
//    measurements inserted (untimed) before each routine and late-data pass.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { detectorConfigSchema } from "../src/config/schema.js";
import { computeBaseline, type Baseline } from "../src/detect/baseline.js";
import { summarizeActivity } from "../src/detect/activity.js";
import { Detector, type PassResult } from "../src/detect/detector.js";
import { evaluate } from "../tests/detect/evaluate-once.js";
import { IncrementalEvaluator, type PassPlan } from "../src/detect/incremental.js";
import { indexWindows } from "../src/detect/window.js";
import type { Measurement, TargetList } from "../src/measurement.js";
import type { NetworkStatsRow, TargetStatsRow } from "../src/store/store.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { networkStatsOf } from "../tests/detect/synthetic.js";
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

export interface Timing { median: number; p95: number; min: number; runs: number }

export interface PassFigures {
  /** What the pass does. */
  pass: string;
  ms: Timing;
  /** Windows classified per pass (the rest came from the cache). */
  classified: number;
  /** targetStats rows read (e2e) or handed in (pure core) per pass. */
  rows: number;
  findings: string[];
}

export interface DetectBenchResult {
  /** One-shot evaluate() over a 5 min, 30 min and 3 h horizon: what every pass cost before it was incremental. */
  oneShot: { horizonMinutes: number; rows: number; ms: Timing; findings: string[] }[];
  /** IncrementalEvaluator over the 3 h horizon: full (first pass / hourly recheck), routine, late data. */
  pure: PassFigures[];
  baselineRefreshMs: number;
  baselineRefreshRows: number;
  e2e: { measurements: number; insertMs: number; coldPassMs: number; passes: PassFigures[] } | null;
}

const label = (f: { region: string; network: string | null; kind: string }): string => `${f.region}/${f.network}:${f.kind}`;

async function sample(runs: number, once: () => Promise<number>): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return { ...stats(samples), runs };
}

export async function benchDetect(opts: { e2e?: boolean; runs?: number } = {}): Promise<DetectBenchResult> {
  const runs = opts.runs ?? 20;
  const horizonFrom = NOW - 3 * 3_600_000;
  // Baselines from the 12 hours before the horizon, as the cache would hold them.
  const history = indexWindows(rows(horizonFrom - 12 * 3_600_000, horizonFrom, REGIONS, PROBES, false), WINDOW_S);
  const baselines = new Map<string, Baseline>();
  for (const [key, windows] of history.networks) baselines.set(key, computeBaseline(windows, [], config, horizonFrom));

  // 1. The one-shot core over the newest window, 30 minutes and the default 3 hours.
  const oneShot: DetectBenchResult["oneShot"] = [];
  for (const horizonMinutes of [WINDOW_S / 60, 30, 180]) {
    const from = NOW - horizonMinutes * 60_000;
    const horizonRows = rows(from, NOW, REGIONS, PROBES, true);
    const pass = () => evaluate({
      index: indexWindows(horizonRows, WINDOW_S), baselines, seeds: new Map(), regions: REGIONS, seen: [],
      from, now: NOW, config,
    });
    for (let i = 0; i < 3; i++) pass(); // JIT warm-up
    let findings: string[] = [];
    const ms = await sample(runs, async () => {
      const [r, t] = await time(pass);
      findings = r.findings.map(label);
      return t;
    });
    oneShot.push({ horizonMinutes, rows: horizonRows.length, ms, findings });
  }

  // 2. The incremental core. The store's part (networkStats, targetStats) is done up front, untimed.
  const all = rows(horizonFrom - WINDOW_MS, NOW, REGIONS, PROBES, true);
  const network = networkStatsOf(all);
  const upTo = (to: number) => network.filter((r) => Date.parse(r.bucketStart) < to);
  const within = (src: readonly TargetStatsRow[], plan: PassPlan) => plan.reads.flatMap((q) => src.filter((r) => {
    const b = Date.parse(r.bucketStart);
    return b >= q.since && b < q.until && (q.region === undefined || r.region === q.region) && (q.role === undefined || r.role === q.role);
  }));
  /** One pass at `now` over what the store holds (`net`, `src`), timing only the pure core. */
  const corePass = (inc: IncrementalEvaluator, now: number, net: NetworkStatsRow[], src: readonly TargetStatsRow[]) => {
    const from = now - 3 * 3_600_000;
    let rowsIn: TargetStatsRow[] = [];
    const t0 = performance.now();
    const plan = inc.plan({ activity: summarizeActivity(net, WINDOW_S), baselines, from, now });
    const t1 = performance.now();
    rowsIn = within(src, plan); // the store's read, not timed
    const t2 = performance.now();
    let r = inc.finish(plan, rowsIn, { seeds: new Map(), regions: REGIONS, seen: [] });
    let ms = t1 - t0 + (performance.now() - t2);
    let classified = r.classified;
    if (r.retry) {
      // Late data changed the runs carried into windows that were not read: the Detector's second round.
      const t3 = performance.now();
      const again = inc.plan({ activity: summarizeActivity(net, WINDOW_S), baselines, from, now });
      const t4 = performance.now();
      const more = within(src, again);
      const t5 = performance.now();
      r = inc.finish(again, more, { seeds: new Map(), regions: REGIONS, seen: [] });
      ms += t4 - t3 + (performance.now() - t5);
      classified += r.classified;
      rowsIn = [...rowsIn, ...more];
    }
    return { ms, classified, rows: rowsIn.length, findings: r.findings.map(label) };
  };
  const netBefore = upTo(NOW - WINDOW_MS);
  const allBefore = all.filter((r) => Date.parse(r.bucketStart) < NOW - WINDOW_MS);
  // A spool: a third probe in one region uploads the last hour at once.
  const spool = rows(NOW - 3_600_000, NOW, [REGIONS[5]!], ["p3"], false);
  const withSpool = [...all, ...spool];
  const netSpool = networkStatsOf(withSpool);

  const pure: PassFigures[] = [];
  const measure = async (pass: string, prepare: () => IncrementalEvaluator, run: (inc: IncrementalEvaluator) => ReturnType<typeof corePass>) => {
    for (let i = 0; i < 2; i++) run(prepare()); // JIT warm-up
    let last: ReturnType<typeof corePass> | null = null;
    const ms = await sample(runs, async () => {
      const inc = prepare();
      last = run(inc);
      return last.ms;
    });
    const l = last as ReturnType<typeof corePass> | null;
    pure.push({ pass, ms, classified: l?.classified ?? 0, rows: l?.rows ?? 0, findings: l?.findings ?? [] });
  };
  const fresh = () => new IncrementalEvaluator(config);
  const warmed = () => {
    const inc = fresh();
    corePass(inc, NOW - WINDOW_MS, netBefore, allBefore);
    return inc;
  };
  const warmedNow = () => {
    const inc = fresh();
    corePass(inc, NOW, network, all);
    return inc;
  };
  await measure("full (first pass, hourly recheck)", fresh, (inc) => corePass(inc, NOW, network, all));
  await measure("routine (a new window)", warmed, (inc) => corePass(inc, NOW, network, all));
  await measure("late data (1 h spool of one probe, one region)", warmedNow, (inc) => corePass(inc, NOW, netSpool, withSpool));

  // 3. Hourly baseline refresh of one region over the full 168 h (one probe, to bound memory).
  const weekRows = rows(NOW - config.baselineHours * 3_600_000, NOW, [REGIONS[2]!], ["p1"], false);
  const [, baselineRefreshMs] = await time(() => {
    const idx = indexWindows(weekRows, WINDOW_S);
    for (const windows of idx.networks.values()) computeBaseline(windows, [], config, NOW);
  });

  let e2e: DetectBenchResult["e2e"] = null;
  if (opts.e2e !== false) e2e = await endToEnd(runs);
  return { oneShot, pure, baselineRefreshMs, baselineRefreshRows: weekRows.length, e2e };
}

async function endToEnd(runs: number): Promise<NonNullable<DetectBenchResult["e2e"]>> {
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-detect-"));
  const store = new SqliteStore(join(dir, "kw.db"));
  const random = rng(11);
  /** One window of measurements: every listed region's probes on every target, and the control vantage. */
  const windowBatch = (start: number, regions: readonly string[], probes: readonly string[], control: boolean): Measurement[] => {
    const batch: Measurement[] = [];
    regions.forEach((region) => probes.forEach((probeId, p) => TARGETS.forEach((t, i) => {
      const o = outcome(REGIONS.indexOf(region), i, start, random);
      batch.push(fixtureMeasurement({
        probeId: `${region}-${probeId}`, region, network: NETWORK, url: t.url, list: t.list, category: t.category,
        startedAt: new Date(start + 10_000 + i * 100 + p * 50).toISOString(), accessible: o.ok, blocking: o.blocking,
        failure: o.ok ? null : "tls_reset", bytesPerSecond: o.throughput, handshakeTime: o.tls,
      }));
    })));
    if (control) {
      TARGETS.forEach((t, i) => batch.push(fixtureMeasurement({
        probeId: "c1", role: "control", region: "CONTROL-EU", network: "hetzner", url: t.url, list: t.list,
        category: t.category, startedAt: new Date(start + 10_000 + i * 100).toISOString(),
      })));
    }
    return batch;
  };
  try {
    await store.migrate();
    // 4 hours: 1 hour of warm-up/baseline, then the 3-hour horizon.
    let measurements = 0;
    let insertMs = 0;
    for (let start = NOW - 4 * 3_600_000; start < NOW; start += WINDOW_MS) {
      const batch = windowBatch(start, REGIONS, PROBES, true);
      insertMs += (await time(() => store.insertMeasurements(batch)))[1];
      measurements += batch.length;
    }
    let clock = NOW;
    // The hourly baseline refresh and full recheck are measured as "full", not mixed into the routine figures.
    const detector = () => new Detector({
      store, config, onEvent: () => {}, now: () => new Date(clock), regions: REGIONS,
      baselineRefreshSeconds: 86_400, fullPassSeconds: 86_400,
    });
    const [, coldPassMs] = await time(() => detector().runPass());
    const passes: PassFigures[] = [];
    const measure = async (pass: string, n: number, before: () => Promise<Detector>) => {
      let last: PassResult | null = null;
      const ms = await sample(n, async () => {
        const d = await before();
        const [r, t] = await time(() => d.runPass());
        last = r;
        return t;
      });
      const l = last as PassResult | null;
      passes.push({ pass, ms, classified: l?.classifiedWindows ?? 0, rows: l?.rowsRead ?? 0, findings: (l?.findings ?? []).map(label) });
    };
    // Full: a detector just started (or at its hourly recheck), baselines already cached in the store.
    await measure("full (first pass, hourly recheck)", Math.min(runs, 5), async () => detector());
    const d = detector();
    await d.runPass();
    // Routine: the next window's measurements arrive (untimed), then the pass.
    await measure("routine (a new window)", runs, async () => {
      await store.insertMeasurements(windowBatch(clock, REGIONS, PROBES, true));
      clock += WINDOW_MS;
      return d;
    });
    // Late data: a new probe in one region uploads its last hour (untimed), then the pass.
    let spools = 0;
    await measure("late data (1 h spool of one probe, one region)", runs, async () => {
      const probe = `spool${spools++}`;
      const spool: Measurement[] = [];
      for (let start = clock - 3_600_000; start < clock; start += WINDOW_MS) spool.push(...windowBatch(start, [REGIONS[5]!], [probe], false));
      await store.insertMeasurements(spool);
      return d;
    });
    return { measurements, insertMs, coldPassMs, passes };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchDetect();
  const f = (x: number): string => `${x.toFixed(1)} ms`;
  const t = (m: Timing): string => `median ${f(m.median)}, p95 ${f(m.p95)}, min ${f(m.min)} (${m.runs} runs)`;
  const line = (p: PassFigures): string =>
    `  ${p.pass}: ${t(p.ms)}; ${p.classified} windows classified, ${p.rows} rows; findings: ${p.findings.join(", ") || "none"}`;
  console.log(`${REGIONS.length} regions × ${TARGETS.length} targets × ${PROBES.length} probes, ${WINDOW_S / 60}-minute windows, 3 h horizon (goal: routine pass < 50 ms)`);
  console.log("pure core, one-shot evaluate() (what every pass cost before it was incremental):");
  for (const p of r.oneShot) console.log(`  horizon ${p.horizonMinutes} min (${p.rows} rows): ${t(p.ms)}`);
  console.log("pure core, incremental (summarizeActivity + plan + finish; the store reads untimed):");
  for (const p of r.pure) console.log(line(p));
  console.log(`baseline refresh, one region, ${config.baselineHours} h (${r.baselineRefreshRows} rows): ${f(r.baselineRefreshMs)}`);
  if (r.e2e) {
    console.log(`end to end on SQLite (${r.e2e.measurements} measurements, inserted in ${f(r.e2e.insertMs)}):`);
    console.log(`  cold pass (computes and caches baselines) ${f(r.e2e.coldPassMs)}`);
    for (const p of r.e2e.passes) console.log(line(p));
  }
}
