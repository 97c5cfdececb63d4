// Before/after for a change to the ingest path on a shared machine: runs the ingest benchmark of two checkouts
// in turn (A B A B …, each run in its own process, same count, store and collectors) and prints each run's CPU
// µs per measurement by component with the load average, then the medians and B/A ratios. Interleaving is what
// makes the ratio fair when other work comes and goes. A checkout is a directory with this repository's files
// and node_modules (e.g. `git archive <commit> | tar -x -C DIR` and a symlink to node_modules).
//   npx tsx bench/ingest-compare.ts DIR_A DIR_B [rounds] [count] [collectors] [sqlite|postgres]
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { IngestFigures } from "./ingest-run.js";

export interface CompareRun {
  checkout: "A" | "B";
  figures: IngestFigures;
}

function runOnce(dir: string, count: number, collectors: number, store: string): IngestFigures {
  const out = execFileSync("npx", ["tsx", "bench/ingest.ts", String(count), String(collectors), "2", store], {
    cwd: dir, encoding: "utf8", maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: "--max-semi-space-size=64" },
  });
  // The figures are the JSON object printed before the last line.
  return JSON.parse(out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1)) as IngestFigures;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [a, b] = [resolve(process.argv[2]!), resolve(process.argv[3]!)];
  const rounds = Number(process.argv[4] ?? 3);
  const count = Number(process.argv[5] ?? 20_000);
  const collectors = Number(process.argv[6] ?? 1);
  const store = process.argv[7] ?? "postgres";
  const runs: CompareRun[] = [];
  console.log(`A=${a}\nB=${b}\n${count} measurements, ${collectors} collector(s), ${store}`);
  console.log("run  checkout  collector µs  postgres µs  redis µs  total µs  measured/s  load");
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always follows the other's leftovers.
    for (const which of (r % 2 === 0 ? ["A", "B"] : ["B", "A"]) as ("A" | "B")[]) {
      const f = runOnce(which === "A" ? a : b, count, collectors, store);
      runs.push({ checkout: which, figures: f });
      const u = f.cpuMicrosPerMeasurement;
      console.log(`${String(r + 1).padEnd(4)} ${which.padEnd(9)} ${String(u.collectors).padEnd(13)} ${String(u.postgres).padEnd(12)} ` +
        `${String(u.redis).padEnd(9)} ${String(u.total).padEnd(9)} ${String(f.perSecond).padEnd(11)} ${f.loadAverage}`);
    }
  }
  const pick = (w: "A" | "B", k: "collectors" | "postgres" | "redis" | "total") => median(runs.filter((x) => x.checkout === w).map((x) => x.figures.cpuMicrosPerMeasurement[k]));
  for (const k of ["collectors", "postgres", "redis", "total"] as const) {
    console.log(`median ${k.padEnd(10)} A ${pick("A", k)} µs  B ${pick("B", k)} µs  B/A ${(pick("B", k) / pick("A", k)).toFixed(2)}`);
  }
}
