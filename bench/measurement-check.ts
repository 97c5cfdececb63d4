// The collector's per-measurement check, side by side in one process: zod's safeParse (a copy of every
// object and array) against parseMeasurement (src/measurement-check.ts: the item itself when it already is
// zod's output), each followed by the JSON.stringify the store's codec does next, on jobs of production-
// shaped measurements parsed from JSON as the collector gets them. Alternated round by round; CPU µs per
// measurement (process.cpuUsage, so garbage collection of the copies is charged to the side that made them)
// with the 1-minute load average. The ingest benchmarks (bench/ingest-compare.ts) give the whole effect.
//   npx tsx bench/measurement-check.ts [rounds] [jobs per round]
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { parseMeasurement } from "../src/measurement-check.js";
import { measurementSchema } from "../src/measurement.js";
import { realisticMeasurement } from "./ingest-measurement.js";

type Side = "zod" | "identity";
const parse: Record<Side, (item: unknown) => { success: boolean; data?: unknown }> = {
  zod: (item) => measurementSchema.safeParse(item),
  identity: (item) => parseMeasurement(item),
};

/** CPU µs per measurement for `jobs` jobs of 1,000: parse each job's JSON text, check each item, stringify it. */
function run(side: Side, texts: string[]): { check: number; stringify: number } {
  let check = 0;
  let stringify = 0;
  let chars = 0;
  for (const text of texts) {
    const items = (JSON.parse(text) as { measurements: unknown[] }).measurements;
    const c0 = process.cpuUsage();
    const valid = items.map((item) => parse[side](item).data);
    const c1 = process.cpuUsage();
    for (const m of valid) chars += JSON.stringify(m).length;
    const c2 = process.cpuUsage();
    check += c1.user + c1.system - c0.user - c0.system;
    stringify += c2.user + c2.system - c1.user - c1.system;
  }
  if (chars === 0) throw new Error("nothing checked");
  const n = texts.length * 1000;
  return { check: check / n, stringify: stringify / n };
}

export interface MeasurementCheckFigures {
  rounds: number;
  jobs: number;
  loadAverage: [number, number];
  /** CPU µs per measurement: the check, then JSON.stringify of what it returned. */
  zod: { check: number; stringify: number; total: number };
  identity: { check: number; stringify: number; total: number };
  identityOverZod: number;
}

export async function benchMeasurementCheck(rounds = 10, jobs = 5): Promise<MeasurementCheckFigures> {
  const base = Date.parse("2025-01-05T00:00:00Z");
  const texts = Array.from({ length: jobs }, (_, j) =>
    JSON.stringify({ measurements: Array.from({ length: 1000 }, (_, i) => realisticMeasurement(j * 1000 + i, base)) }));
  const sum: Record<Side, { check: number; stringify: number }> = { zod: { check: 0, stringify: 0 }, identity: { check: 0, stringify: 0 } };
  const load0 = loadavg()[0]!;
  // Round 0 warms both up and is not counted.
  for (let r = 0; r <= rounds; r++) {
    for (const side of (r % 2 === 0 ? ["zod", "identity"] : ["identity", "zod"]) as Side[]) {
      const t = run(side, texts);
      if (r > 0) { sum[side].check += t.check; sum[side].stringify += t.stringify; }
    }
  }
  const figures = (s: Side) => {
    const check = sum[s].check / rounds;
    const stringify = sum[s].stringify / rounds;
    return { check: +check.toFixed(2), stringify: +stringify.toFixed(2), total: +(check + stringify).toFixed(2) };
  };
  const zod = figures("zod");
  const identity = figures("identity");
  return { rounds, jobs, loadAverage: [+load0.toFixed(1), +loadavg()[0]!.toFixed(1)], zod, identity,
    identityOverZod: +(identity.total / zod.total).toFixed(2) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = await benchMeasurementCheck(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 5));
  console.log(`${f.rounds} rounds of ${f.jobs} jobs (1,000 measurements each) per side, alternating; load ${f.loadAverage.join(" → ")}`);
  console.log("side      check µs  stringify µs  total µs  (CPU per measurement)");
  for (const s of ["zod", "identity"] as Side[]) {
    console.log(`${s.padEnd(9)} ${String(f[s].check).padEnd(9)} ${String(f[s].stringify).padEnd(13)} ${f[s].total}`);
  }
  console.log(`identity/zod: ${f.identityOverZod}`);
}
