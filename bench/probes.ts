// Probe benchmark: full HTTPS site checks per second — fresh DNS, TCP, TLS and GET each — by our checkSite
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
// Cores: Go's blackbox_exporter uses every core; one Node thread does not. The "ours (threads=N)" row runs
// the production checker (src/worker/target-checker.ts) with a pool of N = os.availableParallelism() worker
// threads, as a probe configured with `schedule.threads: auto` does; the headline ratio uses that row. That
// checker also matches block-page fingerprints on every page, which the single-thread checkSite row skips.
import { execFileSync } from "node:child_process";
import { Session } from "node:inspector/promises";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Pool } from "undici";
import { createBogonMatcher } from "../probes/bogons.js";
import { probeDns } from "../probes/dns.js";
import { probeHttp } from "../probes/http.js";
import { checkSite } from "../probes/web.js";
import { createTargetChecker } from "../src/worker/target-checker.js";
import { makeTestPki } from "../tests/helpers/certs.js";
import { NetLab, netnsAvailable, type LabHost } from "../tests/helpers/netns.js";
import { startLabServers } from "../tests/e2e/fixtures/start-lab-servers.js";

const BLACKBOX = "/usr/bin/prometheus-blackbox-exporter";
const SITES = 64;
const siteUrl = (i: number) => `https://site${i % SITES}.bench.test/`;
const MODULE = "https_bench";

export interface ProberFigures {
  /** Successful checks per second over the run. */
  perSecond: number;
  checks: number;
  failures: number;
  /** Peak resident set of the prober's process, MiB. */
  peakRssMiB: number;
  /** CPU (user + system) of the prober's process per check, milliseconds: the figure a busy machine does not bend. */
  cpuMsPerCheck: number;
  /** CPU of the target servers (HTTPS + DNS, one process) per check, milliseconds: the load a check puts on a site. */
  serverCpuMsPerCheck: number;
  /** The part of cpuMsPerCheck spent in the kernel (sockets, packets through the namespace's stack). */
  systemCpuMsPerCheck: number;
}

export interface ProbeBenchFigures {
  seconds: number;
  concurrency: number;
  rounds: number;
  /** checkSite in one thread. */
  ours: ProberFigures;
  /** Worker threads of the threaded row: os.availableParallelism(). */
  threads: number;
  /** The production checker with `threads` worker threads. */
  oursThreaded: ProberFigures;
  /**
   * Diagnostic: our probes doing blackbox's work only (probeDns for A, then probeHttp on one connection),
   * to tell the cost of checkSite's extra measurements from the cost of Node against Go.
   */
  oursOneConnection: ProberFigures;
  blackbox: ProberFigures;
  /** oursThreaded.perSecond / blackbox.perSecond: the headline. */
  ratio: number;
  /** ours.perSecond / blackbox.perSecond: one thread against every core. */
  ratioSingleThread: number;
  /** ours.cpuMsPerCheck / blackbox.cpuMsPerCheck: issue #7's goal is at most 1. */
  cpuRatio: number;
  /** oursOneConnection.cpuMsPerCheck / blackbox.cpuMsPerCheck: the same work on both sides. */
  cpuRatioSameWork: number;
}

/** What the child process measuring checkSite reports on its last stdout line. */
interface OursChildReport {
  checks: number;
  failures: number;
  firstFailure: string | null;
  seconds: number;
  maxRssKiB: number;
  cpuSeconds: number;
  systemCpuSeconds: number;
}

interface OursChildArgs {
  /**
   * "checkSite": the full site check; "threaded": the same through the production checker's thread pool;
   * "oneConnection": DNS A + one HTTPS GET, blackbox's work.
   */
  mode: "checkSite" | "threaded" | "oneConnection";
  /** Worker threads for "threaded". */
  threads: number;
  resolver: string;
  caFile: string;
  seconds: number;
  concurrency: number;
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

/** Child mode: our probes at `concurrency` for `seconds`, inside the bench namespace. */
async function runOursChild(args: OursChildArgs): Promise<void> {
  const options = {
    timeoutSeconds: 5,
    resolver: args.resolver,
    ca: [readFileSync(args.caFile, "utf8")],
    bogons: createBogonMatcher({ notBogon: ["198.18.0.0/15"] }),
  };
  let firstFailure: string | null = null;
  const fullCheck = async (url: string) => {
    const r = await checkSite(url, options);
    if (!r.verdict.accessible) firstFailure ??= JSON.stringify(r.verdict);
    return r.verdict.accessible;
  };
  const oneConnection = async (url: string) => {
    const dns = await probeDns(new URL(url).hostname, { ...options, types: ["A"] });
    const address = dns.addresses[0];
    if (address === undefined) {
      firstFailure ??= dns.failure;
      return false;
    }
    const http = await probeHttp({ url, address }, options);
    if (http.status !== 200) firstFailure ??= http.failure;
    return http.status === 200;
  };
  const pooled = args.mode === "threaded"
    ? await createTargetChecker({ resolver: args.resolver, caFiles: [args.caFile], notBogon: ["198.18.0.0/15"],
      timeoutSeconds: options.timeoutSeconds, threads: args.threads })
    : null;
  const threadedCheck = async (url: string) => {
    const r = await pooled!({ url, list: "whitelisted", category: "bench", throughput: false });
    if (!r.check.verdict.accessible) firstFailure ??= JSON.stringify(r.check.verdict);
    return r.check.verdict.accessible;
  };
  const one = args.mode === "checkSite" ? fullCheck : args.mode === "threaded" ? threadedCheck : oneConnection;
  // Warm-up outside the measurement: lazily loaded modules and first-use compilation are not a check's cost.
  await runLoops(Math.min(1, args.seconds), args.concurrency, (i) => one(siteUrl(i)));
  const profiler = await startProfiler();
  // process.cpuUsage() counts every thread of the process, the pool's included.
  const cpuBefore = process.cpuUsage();
  const run = await runLoops(args.seconds, args.concurrency, (i) => one(siteUrl(i)));
  const cpu = process.cpuUsage(cpuBefore);
  await profiler?.(args.mode);
  await pooled?.close();
  const report: OursChildReport = {
    checks: run.ok,
    failures: run.failed,
    firstFailure,
    seconds: run.seconds,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    systemCpuSeconds: cpu.system / 1e6,
  };
  process.stdout.write(`RESULT ${JSON.stringify(report)}\n`, () => process.exit(0));
}

/**
 * KW_BENCH_PROFILE_DIR=<dir>: a CPU profile of the measured run only (not start-up, not warm-up) of the
 * main thread, written as <dir>/<mode>.cpuprofile for Chrome DevTools or a script. Sampling costs CPU too:
 * figures from a profiled run are not the bench's figures.
 */
async function startProfiler(): Promise<((mode: string) => Promise<void>) | null> {
  const dir = process.env.KW_BENCH_PROFILE_DIR;
  if (!dir) return null;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 250 });
  await session.post("Profiler.start");
  return async (mode) => {
    const { profile } = await session.post("Profiler.stop");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${mode}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
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

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Raw counts of one prober over one or more rounds. */
interface Tally {
  ok: number;
  failed: number;
  seconds: number;
  cpuSeconds: number;
  systemCpuSeconds: number;
  serverCpuSeconds: number;
  peakKiB: number;
}

const emptyTally = (): Tally => ({ ok: 0, failed: 0, seconds: 0, cpuSeconds: 0, systemCpuSeconds: 0, serverCpuSeconds: 0, peakKiB: 0 });

function add(into: Tally, t: Tally): void {
  into.ok += t.ok;
  into.failed += t.failed;
  into.seconds += t.seconds;
  into.cpuSeconds += t.cpuSeconds;
  into.systemCpuSeconds += t.systemCpuSeconds;
  into.serverCpuSeconds += t.serverCpuSeconds;
  into.peakKiB = Math.max(into.peakKiB, t.peakKiB);
}

function figures(t: Tally): ProberFigures {
  const attempts = Math.max(1, t.ok + t.failed);
  return {
    perSecond: t.seconds > 0 ? round(t.ok / t.seconds) : 0,
    checks: t.ok,
    failures: t.failed,
    peakRssMiB: mib(t.peakKiB),
    cpuMsPerCheck: round((t.cpuSeconds * 1000) / attempts, 2),
    serverCpuMsPerCheck: round((t.serverCpuSeconds * 1000) / attempts, 2),
    systemCpuMsPerCheck: round((t.systemCpuSeconds * 1000) / attempts, 2),
  };
}

/** Runs our probes in a child process in the bench namespace and reads its figures. */
async function measureOurs(lab: NetLab, host: LabHost, args: OursChildArgs, serverPid: number): Promise<Tally> {
  // KW_BENCH_NODE_ARGS passes flags to that process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/kw-prof".
  const nodeArgs = (process.env.KW_BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child = lab.spawn(host, process.execPath, [...nodeArgs, "--import", "tsx", fileURLToPath(import.meta.url), "--ours",
    JSON.stringify(args)]);
  const serverBefore = procFigures(serverPid);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const line = await NetLab.waitForLine(child, /^RESULT (\{.*\})$/m, (args.seconds + 60) * 1000);
  await exited; // lets a --cpu-prof profile be written before cleanup kills what is left
  const serverAfter = procFigures(serverPid);
  const report = JSON.parse(line[1] ?? "{}") as OursChildReport;
  if (report.checks === 0) throw new Error(`${args.mode} never succeeded: ${report.firstFailure}`);
  return {
    ok: report.checks,
    failed: report.failures,
    seconds: report.seconds,
    cpuSeconds: report.cpuSeconds,
    systemCpuSeconds: report.systemCpuSeconds,
    // Counted from the child's spawn, so its start-up (no checks) is in: slightly in blackbox's favour.
    serverCpuSeconds: serverAfter.cpuSeconds - serverBefore.cpuSeconds,
    peakKiB: report.maxRssKiB,
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
  };
}

export interface ProbeBenchOptions {
  /** Seconds each prober runs per round; default 10. */
  seconds?: number;
  /** Checks in flight; default 32. */
  concurrency?: number;
  /** Rounds of (blackbox, checkSite, threaded checker, one connection), the order rotating each round so load drift evens out; default 1. */
  rounds?: number;
}

export async function benchProbes(opts: ProbeBenchOptions = {}): Promise<ProbeBenchFigures> {
  const seconds = opts.seconds ?? 10;
  const concurrency = opts.concurrency ?? 32;
  const rounds = opts.rounds ?? 1;
  const threads = availableParallelism();
  if (!netnsAvailable()) throw new Error("bench/probes needs root with `ip netns`, iptables and tc");
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
      const child = (mode: OursChildArgs["mode"]): OursChildArgs =>
        ({ mode, threads, resolver: `${host.address}:53`, caFile: pki.caCertPath, seconds, concurrency });
      const tallies = { blackbox: emptyTally(), ours: emptyTally(), oursThreaded: emptyTally(), oursOneConnection: emptyTally() };
      const phases: [keyof typeof tallies, () => Promise<Tally>][] = [
        ["blackbox", () => measureBlackbox(pool, exporter.pid!, serverPid, seconds, concurrency)],
        ["ours", () => measureOurs(lab, host, child("checkSite"), serverPid)],
        ["oursThreaded", () => measureOurs(lab, host, child("threaded"), serverPid)],
        ["oursOneConnection", () => measureOurs(lab, host, child("oneConnection"), serverPid)],
      ];
      // KW_BENCH_PROBERS=ours,blackbox runs only those rows (quicker, e.g. while profiling); the others print 0.
      const only = process.env.KW_BENCH_PROBERS?.split(",");
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < phases.length; k++) {
          const [name, run] = phases[(r + k) % phases.length]!;
          if (only && !only.includes(name)) continue;
          add(tallies[name], await run());
        }
      }
      const ours = figures(tallies.ours);
      const oursThreaded = figures(tallies.oursThreaded);
      const blackbox = figures(tallies.blackbox);
      const oursOneConnection = figures(tallies.oursOneConnection);
      return {
        seconds, concurrency, rounds, ours, threads, oursThreaded, oursOneConnection, blackbox,
        ratio: round(oursThreaded.perSecond / blackbox.perSecond, 2),
        ratioSingleThread: round(ours.perSecond / blackbox.perSecond, 2),
        cpuRatio: round(ours.cpuMsPerCheck / blackbox.cpuMsPerCheck, 2),
        cpuRatioSameWork: round(oursOneConnection.cpuMsPerCheck / blackbox.cpuMsPerCheck, 2),
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

function printFigures(f: ProbeBenchFigures): void {
  const rows: [string, ProberFigures][] = [["ours (threads=1)", f.ours], [`ours (threads=${f.threads})`, f.oursThreaded],
    ["blackbox_exporter 0.23", f.blackbox], ["(ours, blackbox's work)", f.oursOneConnection]];
  console.log(`full HTTPS checks (fresh DNS + TCP + TLS + GET), concurrency ${f.concurrency}, ${f.rounds} × ${f.seconds} s each`);
  console.log("prober                   checks/s   checks  failures  peak RSS MiB  CPU ms/check  of which kernel  server CPU ms/check");
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(24)} ${String(r.perSecond).padStart(8)} ${String(r.checks).padStart(8)} ${String(r.failures).padStart(9)}`
      + ` ${String(r.peakRssMiB).padStart(13)} ${String(r.cpuMsPerCheck).padStart(13)} ${String(r.systemCpuMsPerCheck).padStart(16)}`
      + ` ${String(r.serverCpuMsPerCheck).padStart(20)}`);
  }
  console.log(`ratio ours (threads=${f.threads}) / blackbox: ${f.ratio}; one thread: ${f.ratioSingleThread}`
    + " (checkSite: A+AAAA, 1 TCP connect, 1 TLS handshake, 1 GET per check;"
    + " blackbox and the last row: A, 1 TCP connect, 1 TLS handshake, 1 GET)");
  console.log(`CPU per check, ours (threads=1) / blackbox: ${f.cpuRatio}; same work (last row / blackbox): ${f.cpuRatioSameWork}`);
  console.log(JSON.stringify({ bench: "probes", ...f }));
}

if (process.argv[2] === "--ours") {
  await runOursChild(JSON.parse(process.argv[3] ?? "{}") as OursChildArgs);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = process.argv[2] ? Number(process.argv[2]) : undefined;
  const concurrency = process.argv[3] ? Number(process.argv[3]) : undefined;
  const rounds = process.argv[4] ? Number(process.argv[4]) : undefined;
  printFigures(await benchProbes({ seconds, concurrency, rounds }));
}
