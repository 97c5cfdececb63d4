// Ingest benchmark, command line (the run itself is bench/ingest-run.ts, the side-by-side table
// bench/ingest-matrix.ts, what `npm run bench -- ingest` runs):
//   npx tsx bench/ingest.ts [count] [collector processes] [jobs in flight per collector] [sqlite|postgres|both]
// "both" runs the matrix (SQLite and PostgreSQL, one and two collectors) and ignores the process count.
import { pathToFileURL } from "node:url";
import { benchIngestMatrix } from "./ingest-matrix.js";
import { benchIngest } from "./ingest-run.js";

export { benchIngest, type IngestFigures } from "./ingest-run.js";
export { benchIngestMatrix } from "./ingest-matrix.js";
export { realisticMeasurement } from "./ingest-measurement.js";

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 50_000);
  const collectors = Number(process.argv[3] ?? 1);
  const concurrency = Number(process.argv[4] ?? 2);
  const which = process.argv[5] ?? "sqlite";
  if (which === "both") {
    await benchIngestMatrix({ count, concurrency });
  } else {
    const figures = await benchIngest({ count, collectors, concurrency, store: which === "postgres" ? "postgres" : "sqlite" });
    console.log(JSON.stringify(figures, null, 2));
    console.log(`ingest: ${figures.perSecond} measurements/s with ${collectors} collector process(es) on ${figures.store}`);
  }
}
