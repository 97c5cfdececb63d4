// The measuring side of bench/probes.ts: our probers at a concurrency for some seconds, inside the bench's
// network namespace, reporting its figures as one "RESULT {json}" line on stdout.
//
// Plain JavaScript over the compiled dist/ (`npm run build`, which bench/probes.ts runs first), started by a
// bare `node`: production runs dist/ that way, so no TypeScript loader (tsx registers itself in every worker
// thread and turns source maps on) and no transpile-on-load is in the figures of any row.
//
//   node bench/probes-child.mjs '{"mode":"production","threads":2,...}'     (see bench/probes.ts)
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

const dist = new URL("../dist/", import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { createBogonMatcher } = await load("probes/bogons.js");
const { probeDns } = await load("probes/dns.js");
const { probeHttp } = await load("probes/http.js");
const { createTargetChecker } = await load("src/worker/target-checker.js");

/** URL of the i-th check: 64 names on one HTTPS server, as bench/probes.ts serves them. */
const siteUrl = (i) => `https://site${i % 64}.bench.test/`;

/** Runs `one` from `concurrency` loops until `seconds` have passed or `checks` have started, whichever is first. */
async function runLoops(seconds, concurrency, one, checks = Infinity) {
  const deadline = performance.now() + seconds * 1000;
  let started = 0;
  let ok = 0;
  let failed = 0;
  const begin = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline && started < checks) {
      if (await one(started++)) ok++;
      else failed++;
    }
  }));
  return { ok, failed, seconds: (performance.now() - begin) / 1000 };
}

/** CPU seconds (user, system) of each thread of this process, by kernel thread id, from /proc. */
function threadCpu() {
  const hz = 100; // USER_HZ: 100 on every Linux ABI Node runs on
  const out = new Map();
  for (const tid of readdirSync("/proc/self/task")) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    } catch {
      continue; // ended between the listing and the read
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.set(tid, { user: Number(fields[11]) / hz, system: Number(fields[12]) / hz });
  }
  return out;
}

/**
 * CPU between two threadCpu() readings, split into this (main) thread, the pool's check threads (the thread
 * ids that appeared while the pool started) and the rest: V8's platform threads (concurrent compilation and
 * garbage collection for every isolate) and libuv's pool.
 */
function splitCpu(before, after, checkThreads) {
  const split = { main: 0, checkThreads: 0, helpers: 0 };
  for (const [tid, t] of after) {
    const b = before.get(tid) ?? { user: 0, system: 0 };
    const used = t.user + t.system - b.user - b.system;
    if (tid === String(process.pid)) split.main += used;
    else if (checkThreads.has(tid)) split.checkThreads += used;
    else split.helpers += used;
  }
  return split;
}

/**
 * KW_BENCH_PROFILE_DIR=<dir>: a CPU profile of the measured run only (not start-up, not warm-up) of the
 * main thread, written as <dir>/<mode>-<threads>.cpuprofile. (The check threads: KW_BENCH_NODE_ARGS=--cpu-prof,
 * which workers inherit.) Sampling costs CPU too: figures from a profiled run are not the bench's figures.
 */
async function startProfiler(name) {
  const dir = process.env.KW_BENCH_PROFILE_DIR;
  if (!dir) return null;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 250 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

async function main(args) {
  const { mode, threads, resolver, caFile, seconds, concurrency, warmupChecks } = args;
  const ca = [readFileSync(caFile, "utf8")];
  const bogons = createBogonMatcher({ notBogon: ["198.18.0.0/15"] });
  let firstFailure = null;

  // "oneConnection": blackbox's work with our probes (DNS A only, then one HTTPS GET on one connection).
  const oneConnection = async (url) => {
    const dns = await probeDns(new URL(url).hostname, { timeoutSeconds: 5, resolver, bogons, types: ["A"] });
    const address = dns.addresses[0];
    if (address === undefined) {
      firstFailure ??= dns.failure;
      return false;
    }
    const http = await probeHttp({ url, address }, { timeoutSeconds: 5, ca });
    if (http.status !== 200) firstFailure ??= http.failure;
    return http.status === 200;
  };

  // "production": the checker a probe runs (src/worker/target-checker.ts) with its default block-page
  // fingerprints, in this thread (threads 1) or in a pool of `threads` worker threads.
  await readFile(caFile); // starts libuv's pool now, so the only threads the checker adds are its own
  const tasksBefore = new Set(readdirSync("/proc/self/task"));
  const checker = mode === "production"
    ? await createTargetChecker({ resolver, caFiles: [caFile], notBogon: ["198.18.0.0/15"], timeoutSeconds: 5, threads })
    : null;
  const checkThreads = new Set(readdirSync("/proc/self/task").filter((t) => !tasksBefore.has(t)));
  const production = async (url) => {
    const r = await checker({ url, list: "whitelisted", category: "bench", throughput: false });
    if (!r.check.verdict.accessible) firstFailure ??= JSON.stringify(r.check.verdict);
    return r.check.verdict.accessible;
  };
  const one = mode === "production" ? production : oneConnection;

  // Warm-up outside the measurement: lazily loaded modules and first-use compilation are not a check's cost
  // for a probe that runs for days. Counted in checks per thread, not seconds: each thread compiles its own
  // code, and a warm-up in seconds would leave every thread of a pool (or any row on a loaded machine)
  // colder than one thread on a quiet one. Capped at two minutes.
  const warmupTarget = warmupChecks * Math.max(1, mode === "production" ? threads : 1);
  const warmup = await runLoops(120, concurrency, (i) => one(siteUrl(i)), warmupTarget);
  const stopProfiler = await startProfiler(`${mode}-${threads}`);
  // The parent reads the target servers' CPU now and at RESULT, so warm-up checks are not in theirs either.
  process.stdout.write("MEASURING\n");
  // process.cpuUsage() counts every thread of the process, the pool's included.
  const cpuBefore = process.cpuUsage();
  const threadsBefore = threadCpu();
  const run = await runLoops(seconds, concurrency, (i) => one(siteUrl(i)));
  const cpu = process.cpuUsage(cpuBefore);
  const byThread = splitCpu(threadsBefore, threadCpu(), checkThreads);
  await stopProfiler?.();
  await checker?.close();
  const report = {
    checks: run.ok,
    failures: run.failed,
    firstFailure,
    seconds: run.seconds,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    systemCpuSeconds: cpu.system / 1e6,
    byThread,
    warmupChecks: warmup.ok + warmup.failed,
    warmupSeconds: warmup.seconds,
  };
  process.stdout.write(`RESULT ${JSON.stringify(report)}\n`, () => process.exit(0));
}

await main(JSON.parse(process.argv[2] ?? "{}"));
