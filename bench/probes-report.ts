// Figures of bench/probes.ts: raw counts per prober (Tally), what each row reports (ProberFigures), the
// ratios against blackbox_exporter, and the printed table with its headline.
import { loadavg } from "node:os";

/** Raw counts of one prober over one or more rounds. */
export interface Tally {
  ok: number;
  failed: number;
  seconds: number;
  cpuSeconds: number;
  systemCpuSeconds: number;
  serverCpuSeconds: number;
  peakKiB: number;
  /** Our probers only: CPU seconds of the main thread, the pool's check threads, and V8/libuv helper threads. */
  byThread: { main: number; checkThreads: number; helpers: number };
  /** Our probers only: checks run before measuring (all threads) and the seconds they took. */
  warmupChecks: number;
  warmupSeconds: number;
}

export interface ProberFigures {
  /** False when KW_BENCH_PROBERS left this row out: every figure is then 0. */
  ran: boolean;
  /** Successful checks per second over the run. */
  perSecond: number;
  checks: number;
  failures: number;
  /** Peak resident set of the prober's process, MiB. */
  peakRssMiB: number;
  /** CPU (user + system) of the prober's process per check, milliseconds: the figure a busy machine bends least. */
  cpuMsPerCheck: number;
  /** CPU of the target servers (HTTPS + DNS, one process) per check, milliseconds: the load a check puts on a site. */
  serverCpuMsPerCheck: number;
  /** The part of cpuMsPerCheck spent in the kernel (sockets, packets through the namespace's stack). */
  systemCpuMsPerCheck: number;
  /** cpuMsPerCheck by thread (ours only): main thread, check threads, V8 and libuv helper threads. */
  byThreadMsPerCheck: { main: number; checkThreads: number; helpers: number };
  /** Ours only: warm-up checks before the measured runs (all rounds, all threads) and their seconds. */
  warmupChecks: number;
  warmupSeconds: number;
}

export interface ProbeBenchFigures {
  seconds: number;
  concurrency: number;
  rounds: number;
  /** Checks per thread each of our child processes runs before it measures (start-up and JIT warm-up). */
  warmupChecks: number;
  /** 1-minute load average when the bench started and when it ended: the noise the figures carry. */
  load: { start: number; end: number };
  /** The production checker (src/worker/target-checker.ts, block-page fingerprints on) in one thread. */
  ours: ProberFigures;
  /** Worker threads of the pool row: what `auto` starts when that is a pool, else one per core. */
  threads: number;
  /** What `schedule.threads: auto` starts here (cores − 1, at least 1): the headline is that row. */
  autoThreads: number;
  /** The production checker with a pool of `threads` worker threads. */
  oursThreaded: ProberFigures;
  /**
   * Diagnostic: our probes doing blackbox's work only (probeDns for A, then probeHttp on one connection),
   * to tell the cost of checkSite's extra measurements from the cost of Node against Go.
   */
  oursOneConnection: ProberFigures;
  blackbox: ProberFigures;
  /** Rows KW_BENCH_PROBERS left out. */
  skipped: string[];
  /** CPU per check of the row `auto` runs / blackbox's: the headline, issue #7's goal is at most 1; null if a row was skipped. */
  cpuRatio: number | null;
  /** oursThreaded.cpuMsPerCheck / blackbox.cpuMsPerCheck. */
  cpuRatioPool: number | null;
  /** ours.cpuMsPerCheck / blackbox.cpuMsPerCheck (one thread). */
  cpuRatioSingleThread: number | null;
  /** oursOneConnection.cpuMsPerCheck / blackbox.cpuMsPerCheck: the same work on both sides. */
  cpuRatioSameWork: number | null;
  /** Checks per second of the row `auto` runs / blackbox's. */
  ratio: number | null;
  /** oursThreaded.perSecond / blackbox.perSecond. */
  ratioPool: number | null;
  /** ours.perSecond / blackbox.perSecond: one thread against Go on every core. */
  ratioSingleThread: number | null;
}

export const emptyTally = (): Tally => ({ ok: 0, failed: 0, seconds: 0, cpuSeconds: 0, systemCpuSeconds: 0, serverCpuSeconds: 0,
  peakKiB: 0, byThread: { main: 0, checkThreads: 0, helpers: 0 }, warmupChecks: 0, warmupSeconds: 0 });

export function addTally(into: Tally, t: Tally): void {
  into.ok += t.ok;
  into.failed += t.failed;
  into.seconds += t.seconds;
  into.cpuSeconds += t.cpuSeconds;
  into.systemCpuSeconds += t.systemCpuSeconds;
  into.serverCpuSeconds += t.serverCpuSeconds;
  into.peakKiB = Math.max(into.peakKiB, t.peakKiB);
  into.byThread.main += t.byThread.main;
  into.byThread.checkThreads += t.byThread.checkThreads;
  into.byThread.helpers += t.byThread.helpers;
  into.warmupChecks += t.warmupChecks;
  into.warmupSeconds += t.warmupSeconds;
}

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
export const load1 = () => round(loadavg()[0] ?? 0, 2);

export function figures(t: Tally, ran: boolean): ProberFigures {
  const attempts = Math.max(1, t.ok + t.failed);
  const perCheck = (cpuSeconds: number) => round((cpuSeconds * 1000) / attempts, 2);
  return {
    ran,
    perSecond: t.seconds > 0 ? round(t.ok / t.seconds) : 0,
    checks: t.ok,
    failures: t.failed,
    peakRssMiB: mib(t.peakKiB),
    cpuMsPerCheck: perCheck(t.cpuSeconds),
    serverCpuMsPerCheck: perCheck(t.serverCpuSeconds),
    systemCpuMsPerCheck: perCheck(t.systemCpuSeconds),
    byThreadMsPerCheck: { main: perCheck(t.byThread.main), checkThreads: perCheck(t.byThread.checkThreads), helpers: perCheck(t.byThread.helpers) },
    warmupChecks: t.warmupChecks,
    warmupSeconds: round(t.warmupSeconds),
  };
}

/** a / b when both rows ran, else null (a skipped row is not a ratio of 0 or NaN). */
export function ratioOf(a: ProberFigures, b: ProberFigures, field: "cpuMsPerCheck" | "perSecond"): number | null {
  return a.ran && b.ran && b[field] > 0 ? round(a[field] / b[field], 2) : null;
}

const show = (r: number | null) => (r === null ? "n/a (a row was skipped)" : `${r}×`);

export function printFigures(f: ProbeBenchFigures): void {
  const pool = f.autoThreads > 1 ? `ours, threads=auto (${f.threads})` : `ours, threads=${f.threads}`;
  const one = f.autoThreads > 1 ? "ours, threads=1" : "ours, threads=auto (1)";
  const rows: [string, ProberFigures][] = [[one, f.ours], [pool, f.oursThreaded],
    ["blackbox_exporter 0.23", f.blackbox], ["(ours, blackbox's work)", f.oursOneConnection]];
  console.log(`full HTTPS checks (fresh DNS + TCP + TLS + GET), concurrency ${f.concurrency}, ${f.rounds} round(s) × ${f.seconds} s`
    + ` per row, each after ${f.warmupChecks} warm-up checks per thread; load average (1 min) ${f.load.start} at start, ${f.load.end} at end`);
  console.log("prober                     checks/s   checks  failures  peak RSS MiB  CPU ms/check  of which kernel  server CPU ms/check");
  for (const [name, r] of rows) {
    if (!r.ran) {
      console.log(`${name.padEnd(26)} (skipped: KW_BENCH_PROBERS)`);
      continue;
    }
    console.log(`${name.padEnd(26)} ${String(r.perSecond).padStart(8)} ${String(r.checks).padStart(8)} ${String(r.failures).padStart(9)}`
      + ` ${String(r.peakRssMiB).padStart(13)} ${String(r.cpuMsPerCheck).padStart(13)} ${String(r.systemCpuMsPerCheck).padStart(16)}`
      + ` ${String(r.serverCpuMsPerCheck).padStart(20)}`);
  }
  for (const [name, r] of rows) {
    if (!r.ran || name.startsWith("blackbox")) continue;
    const t = r.byThreadMsPerCheck;
    console.log(`  ${name}: CPU ms/check by thread: main ${t.main}, check threads ${t.checkThreads}, V8/libuv helpers ${t.helpers};`
      + ` warm-up ${r.warmupChecks} checks in ${r.warmupSeconds} s`);
  }
  console.log("(ours: the production checker, src/worker/target-checker.ts, block-page fingerprints on; checkSite asks A+AAAA,"
    + " blackbox and the last row A only; each makes 1 TCP connect, 1 TLS handshake, 1 GET per check)");
  console.log(`HEADLINE production checker (threads=auto → ${f.autoThreads}) / blackbox_exporter, CPU per check: ${show(f.cpuRatio)}`
    + ` (goal ≤ 1×); checks/s: ${show(f.ratio)}; load average ${f.load.start} → ${f.load.end}`);
  console.log(`CPU per check / blackbox: threads=1 ${show(f.cpuRatioSingleThread)}, threads=${f.threads} ${show(f.cpuRatioPool)},`
    + ` same work ${show(f.cpuRatioSameWork)}; checks/s / blackbox: threads=1 ${show(f.ratioSingleThread)}, threads=${f.threads} ${show(f.ratioPool)}`);
  if (f.skipped.length > 0) console.log(`skipped rows: ${f.skipped.join(", ")}`);
  console.log(JSON.stringify({ bench: "probes", ...f }));
}
