// Probe benchmark: full HTTPS site checks per second — fresh DNS, TCP, TLS and GET each — by our checker
// and by prometheus-blackbox-exporter (the Debian package, v0.23) against the same local targets, in the same
// run, at the same concurrency.
//
//   npm run bench:probes [-- seconds [concurrency [rounds]]]     (root: it builds a network namespace)
//
// Fairness: everything runs in one network namespace whose /etc/netns/<ns>/resolv.conf names our DNS server
// (`ip netns exec` bind-mounts it), so blackbox_exporter's Go resolver and our resolver ask the same server,
// on port 53, for every check; nothing caches. blackbox_exporter builds a new HTTP client per probe, so each
// probe is a fresh TCP + TLS connection; our checkSite opens its own by design. The sites are one HTTPS
// server (tests/helpers/http-servers.ts) answering *.bench.test with a certificate from a throwaway CA that
// both trust. The two are measured one after the other, not at once, so they do not share the CPUs.
//
// What each side does per check differs by design and is part of the result: blackbox asks for A only and
// makes one connection; checkSite asks for A and AAAA and, as OONI's Web Connectivity LTE does, measures TCP
// and TLS on one connection per address and sends the GET over it: one TCP connect and one TLS handshake per
// check on these one-address sites.
//
// Cores: Go's blackbox_exporter uses every core; one Node thread does not. Both "ours" rows are the
// production checker (src/worker/target-checker.ts, block-page fingerprints on, as a probe runs it): in one
// thread, and with a pool of worker threads (what `schedule.threads: auto` starts when that is a pool: cores
// − 1; on two cores auto is one thread, and the pool row has one thread per core for comparison). The
// headline is the row `auto` runs, CPU per check against blackbox's. Our rows run compiled JavaScript
// (dist/, built first; bench/probes-child.mjs under a bare `node`), as production does.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Pool } from "undici";
import { makeTestPki } from "../tests/helpers/certs.js";
import { NetLab, netnsAvailable, type LabHost } from "../tests/helpers/netns.js";
import { startLabServers } from "../tests/e2e/fixtures/start-lab-servers.js";
import { resolveThreadCount } from "../src/worker/check-pool.js";
import { addTally, emptyTally, figures, load1, printFigures, ratioOf, type ProbeBenchFigures, type Tally } from "./probes-report.js";

export type { ProbeBenchFigures, ProberFigures } from "./probes-report.js";

const BLACKBOX = "/usr/bin/prometheus-blackbox-exporter";
const SITES = 64;
const siteUrl = (i: number) => `https://site${i % SITES}.bench.test/`;
const MODULE = "https_bench";
const CHILD = fileURLToPath(new URL("./probes-child.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** What bench/probes-child.mjs reports on its last stdout line. */
interface OursChildReport {
  checks: number;
  failures: number;
  firstFailure: string | null;
  seconds: number;
  maxRssKiB: number;
  cpuSeconds: number;
  systemCpuSeconds: number;
  byThread: Tally["byThread"];
  /** Checks run before measuring, all threads together, and how long they took. */
  warmupChecks: number;
  warmupSeconds: number;
}

/** What bench/probes-child.mjs is asked to measure. */
interface OursChildArgs {
  /** "production": createTargetChecker with `threads`; "oneConnection": DNS A + one HTTPS GET, blackbox's work. */
  mode: "production" | "oneConnection";
  threads: number;
  resolver: string;
  caFile: string;
  seconds: number;
  concurrency: number;
  /** Checks per thread before measuring (start-up and JIT warm-up), all threads of a pool each doing this many. */
  warmupChecks: number;
}

/** Runs `one` from `concurrency` loops until `seconds` have passed. */
async function runLoops(seconds: number, concurrency: number, one: (i: number) => Promise<boolean>) {
  const deadline = performance.now() + seconds * 1000;
  let started = 0;
  let ok = 0;
  let failed = 0;
  const begin = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      if (await one(started++)) ok++;
      else failed++;
    }
  }));
  return { ok, failed, seconds: (performance.now() - begin) / 1000 };
}

/** Peak RSS (VmHWM) in KiB and CPU seconds of a running process, from /proc. */
function procFigures(pid: number): { hwmKiB: number; cpuSeconds: number; systemCpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const hwmKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hz = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  return { hwmKiB, cpuSeconds: ticks / hz, systemCpuSeconds: Number(fields[12]) / hz };
}

function blackboxConfig(caFile: string): string {
  // YAML is a superset of JSON: no quoting rules to get wrong for the path.
  return JSON.stringify({
    modules: {
      [MODULE]: {
        prober: "http",
        timeout: "5s",
        http: {
          preferred_ip_protocol: "ip4",
          ip_protocol_fallback: false,
          valid_status_codes: [200],
          method: "GET",
          tls_config: { ca_file: caFile },
        },
      },
    },
  });
}

async function waitForHttp(pool: Pool, path: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await pool.request({ path, method: "GET" });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`blackbox_exporter did not answer ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


/** Runs our probes in a child process (compiled JS, bare node) in the bench namespace and reads its figures. */
async function measureOurs(lab: NetLab, host: LabHost, args: OursChildArgs, serverPid: number): Promise<Tally> {
  // KW_BENCH_NODE_ARGS passes flags to that process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/kw-prof" (worker
  // threads inherit them, so each check thread writes its own profile).
  const nodeArgs = (process.env.KW_BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child = lab.spawn(host, process.execPath, [...nodeArgs, CHILD, JSON.stringify(args)]);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const result = NetLab.waitForLine(child, /^RESULT (\{.*\})$/m, (args.seconds + 120 + 60) * 1000);
  result.catch(() => undefined); // awaited below; a failure before MEASURING is reported by that wait
  // The servers' CPU from the start of the measured run (after start-up and warm-up) to its RESULT.
  await NetLab.waitForLine(child, /^MEASURING$/m, (120 + 60) * 1000);
  const serverBefore = procFigures(serverPid);
  const line = await result;
  await exited; // lets a --cpu-prof profile be written before cleanup kills what is left
  const serverAfter = procFigures(serverPid);
  const report = JSON.parse(line[1] ?? "{}") as OursChildReport;
  if (report.checks === 0) throw new Error(`${args.mode} (threads=${args.threads}) never succeeded: ${report.firstFailure}`);
  return {
    ok: report.checks,
    failed: report.failures,
    seconds: report.seconds,
    cpuSeconds: report.cpuSeconds,
    systemCpuSeconds: report.systemCpuSeconds,
    serverCpuSeconds: serverAfter.cpuSeconds - serverBefore.cpuSeconds,
    peakKiB: report.maxRssKiB,
    byThread: report.byThread,
    warmupChecks: report.warmupChecks,
    warmupSeconds: report.warmupSeconds,
  };
}

/** Drives blackbox_exporter's /probe from `concurrency` loops for `seconds`. */
async function measureBlackbox(pool: Pool, exporterPid: number, serverPid: number, seconds: number, concurrency: number): Promise<Tally> {
  const probe = async (i: number): Promise<boolean> => {
    const res = await pool.request({ path: `/probe?module=${MODULE}&target=${encodeURIComponent(siteUrl(i))}`, method: "GET" });
    const text = await res.body.text();
    return res.statusCode === 200 && /^probe_success 1$/m.test(text);
  };
  if (!(await probe(0))) throw new Error("blackbox_exporter's probe failed: check its config and the lab");
  const exporterBefore = procFigures(exporterPid);
  const serverBefore = procFigures(serverPid);
  const run = await runLoops(seconds, concurrency, probe);
  const exporterAfter = procFigures(exporterPid);
  const serverAfter = procFigures(serverPid);
  return {
    ok: run.ok,
    failed: run.failed,
    seconds: run.seconds,
    cpuSeconds: exporterAfter.cpuSeconds - exporterBefore.cpuSeconds,
    systemCpuSeconds: exporterAfter.systemCpuSeconds - exporterBefore.systemCpuSeconds,
    serverCpuSeconds: serverAfter.cpuSeconds - serverBefore.cpuSeconds,
    peakKiB: exporterAfter.hwmKiB,
    byThread: { main: 0, checkThreads: 0, helpers: 0 },
    warmupChecks: 0,
    warmupSeconds: 0,
  };
}

export interface ProbeBenchOptions {
  /** Seconds each prober runs per round; default 10. */
  seconds?: number;
  /** Checks in flight; default 32. */
  concurrency?: number;
  /** Rounds of (blackbox, threads=1, threads=auto, one connection), the order rotating each round so load drift evens out; default 1. */
  rounds?: number;
  /** Checks per thread our child processes run before measuring; default 1000 (KW_BENCH_WARMUP). */
  warmupChecks?: number;
}

type RowName = "blackbox" | "ours" | "oursThreaded" | "oursOneConnection";
const ROW_NAMES: RowName[] = ["blackbox", "ours", "oursThreaded", "oursOneConnection"];

export async function benchProbes(opts: ProbeBenchOptions = {}): Promise<ProbeBenchFigures> {
  const seconds = opts.seconds ?? 10;
  const concurrency = opts.concurrency ?? 32;
  const rounds = opts.rounds ?? 1;
  const warmupChecks = opts.warmupChecks ?? Number(process.env.KW_BENCH_WARMUP ?? 1000);
  const cores = availableParallelism();
  const autoThreads = resolveThreadCount("auto", cores);
  // The pool row: what `auto` starts when that is a pool, else a thread per core (to show what a pool costs here).
  const threads = autoThreads > 1 ? autoThreads : cores;
  // KW_BENCH_PROBERS=ours,blackbox runs only those rows (quicker, e.g. while profiling); the others are reported skipped.
  const only = process.env.KW_BENCH_PROBERS?.split(",").map((n) => n.trim()).filter((n) => n !== "");
  const unknown = only?.filter((n) => !ROW_NAMES.includes(n as RowName)) ?? [];
  if (unknown.length > 0) throw new Error(`KW_BENCH_PROBERS: unknown row(s) ${unknown.join(", ")}; rows: ${ROW_NAMES.join(", ")}`);
  const runs = (name: RowName) => !only || only.includes(name);
  if (!netnsAvailable()) throw new Error("bench/probes needs root with `ip netns`, iptables and tc");
  // Our rows run dist/: build it from this checkout so they measure the code as it is.
  if (ROW_NAMES.some((n) => n !== "blackbox" && runs(n))) {
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { stdio: "inherit", cwd: ROOT });
  }
  const loadStart = load1();
  const lab = new NetLab();
  const pki = makeTestPki();
  let netnsEtc: string | null = null;
  try {
    const host = lab.addHost("bench");
    const leaf = pki.leaf(["*.bench.test"]);
    const certFile = join(pki.dir, "bench.pem");
    const keyFile = join(pki.dir, "bench.key");
    writeFileSync(certFile, leaf.cert);
    writeFileSync(keyFile, leaf.key);
    const rules = Object.fromEntries(Array.from({ length: SITES }, (_, i) => [`site${i}.bench.test`, { A: [host.address] }]));
    const servers = await startLabServers(lab, host, {
      https: { address: host.address, port: 443, certFile, keyFile },
      dns: { host: host.address, rules },
    });
    // Go's resolver only talks to port 53: send port 53 on to the test DNS server's port, UDP and TCP.
    for (const proto of ["udp", "tcp"]) {
      lab.iptables(host, ["-t", "nat", "-A", "OUTPUT", "-d", host.address, "-p", proto, "--dport", "53",
        "-j", "DNAT", "--to-destination", `${host.address}:${servers.ports.dns}`]);
    }
    netnsEtc = `/etc/netns/${host.ns}`;
    mkdirSync(netnsEtc, { recursive: true });
    writeFileSync(join(netnsEtc, "resolv.conf"), `nameserver ${host.address}\noptions ndots:1 attempts:1\n`);

    const configFile = join(pki.dir, "blackbox.yml");
    writeFileSync(configFile, blackboxConfig(pki.caCertPath));
    const exporter = lab.spawn(host, BLACKBOX, [`--config.file=${configFile}`, `--web.listen-address=${host.address}:9115`,
      "--log.level=warn"]);
    const pool = new Pool(`http://${host.address}:9115`, { connections: concurrency });
    try {
      await waitForHttp(pool, "/-/healthy");
      const serverPid = servers.process.pid!;
      const child = (mode: OursChildArgs["mode"], n: number): OursChildArgs =>
        ({ mode, threads: n, resolver: `${host.address}:53`, caFile: pki.caCertPath, seconds, concurrency, warmupChecks });
      const tallies: Record<RowName, Tally> = { blackbox: emptyTally(), ours: emptyTally(), oursThreaded: emptyTally(), oursOneConnection: emptyTally() };
      const phases: [RowName, () => Promise<Tally>][] = [
        ["blackbox", () => measureBlackbox(pool, exporter.pid!, serverPid, seconds, concurrency)],
        ["ours", () => measureOurs(lab, host, child("production", 1), serverPid)],
        ["oursThreaded", () => measureOurs(lab, host, child("production", threads), serverPid)],
        ["oursOneConnection", () => measureOurs(lab, host, child("oneConnection", 1), serverPid)],
      ];
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < phases.length; k++) {
          const [name, run] = phases[(r + k) % phases.length]!;
          if (runs(name)) addTally(tallies[name], await run());
        }
      }
      const ours = figures(tallies.ours, runs("ours"));
      const oursThreaded = figures(tallies.oursThreaded, runs("oursThreaded"));
      const blackbox = figures(tallies.blackbox, runs("blackbox"));
      const oursOneConnection = figures(tallies.oursOneConnection, runs("oursOneConnection"));
      return {
        seconds, concurrency, rounds, warmupChecks, load: { start: loadStart, end: load1() },
        ours, threads, autoThreads, oursThreaded, oursOneConnection, blackbox,
        skipped: ROW_NAMES.filter((n) => !runs(n)),
        cpuRatio: ratioOf(autoThreads > 1 ? oursThreaded : ours, blackbox, "cpuMsPerCheck"),
        cpuRatioPool: ratioOf(oursThreaded, blackbox, "cpuMsPerCheck"),
        cpuRatioSingleThread: ratioOf(ours, blackbox, "cpuMsPerCheck"),
        cpuRatioSameWork: ratioOf(oursOneConnection, blackbox, "cpuMsPerCheck"),
        ratio: ratioOf(autoThreads > 1 ? oursThreaded : ours, blackbox, "perSecond"),
        ratioPool: ratioOf(oursThreaded, blackbox, "perSecond"),
        ratioSingleThread: ratioOf(ours, blackbox, "perSecond"),
      };
    } finally {
      await pool.close();
    }
  } finally {
    await lab.cleanup();
    if (netnsEtc) rmSync(netnsEtc, { recursive: true, force: true });
    pki.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = process.argv[2] ? Number(process.argv[2]) : undefined;
  const concurrency = process.argv[3] ? Number(process.argv[3]) : undefined;
  const rounds = process.argv[4] ? Number(process.argv[4]) : undefined;
  printFigures(await benchProbes({ seconds, concurrency, rounds }));
}
