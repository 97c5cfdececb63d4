// `npm run bench [-- NAME...]`: runs the benchmarks (all, or the named ones: probes, ingest, store-size, measurement-codec,
// measurement-check, results-worker, detect, api, regime) one after another and prints each one's figures as a JSON line, then a summary. Benchmarks
// measure; they never fail a build. Heavy ones (api generates 5 M measurements once, cached in the temp
// dir) take minutes.
import { uptime, loadavg, cpus } from "node:os";

type Bench = () => Promise<unknown>;

const BENCHES: Record<string, Bench> = {
  probes: async () => (await import("./probes.js")).benchProbes(),
  // SQLite and PostgreSQL, one and two collectors, side by side.
  ingest: async () => (await import("./ingest-matrix.js")).benchIngestMatrix(),
  "store-size": async () => (await import("./store-size.js")).benchStoreSize(),
  // CPU per encode and bytes of the stored encoding per deflate level / strategy.
  "measurement-codec": async () => (await import("./measurement-codec.js")).benchMeasurementCodec(),
  // CPU per measurement of the collector's check (zod's copy against the no-copy identity check) and the stringify after it.
  "measurement-check": async () => (await import("./measurement-check.js")).benchMeasurementCheck(),
  // CPU per results job through BullMQ: its Worker against the collector's ResultsWorker, alternated.
  "results-worker": async () => (await import("./results-worker.js")).benchResultsWorker(),
  detect: async () => (await import("./detect.js")).benchDetect({ e2e: true }),
  regime: async () => (await import("./regime.js")).benchRegime(),
  api: async () => (await import("./api.js")).benchApi(),
  // PostgreSQL with >= 20 M measurements (generated once, cached in the temp dir: long on a slow machine).
  "api-postgres": async () => (await import("./api-postgres.js")).benchApiPostgres(),
  "upload-fsync": async () => (await import("./upload-fsync.js")).benchUploadFsync(),
  "upload-memory": async () => (await import("./upload-memory.js")).benchUploadMemory(),
  agent: async () => (await import("./agent.js")).benchAgent(),
  "ip-to-asn": async () => (await import("./ip-to-asn.js")).benchIpToAsn(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}

console.log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}, up ${Math.round(uptime() / 60)} min`);
const results: Record<string, unknown> = {};
for (const name of names) {
  const started = Date.now();
  console.log(`\n== ${name} ==`);
  try {
    results[name] = await BENCHES[name]!();
  } catch (e) {
    results[name] = { error: (e as Error).message };
  }
  console.log(`${name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`RESULT ${JSON.stringify({ bench: name, ...(results[name] as object) })}`);
}
