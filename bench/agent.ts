// Agent benchmark (issue #10 item 2): the compiled agent (`bin/keepwatch.js agent`, the command a volunteer
// runs, with the node settings its launcher gives the agent; with node flags given here, `node FLAGS
// dist/src/cli.js agent` instead) measuring 100 local
// targets a minute (HTTPS on loopback, names from a loopback DNS server) and uploading to the real API app.
// Figures: startup time (spawn → "agent running"), RSS right after start, peak and mean RSS and mean CPU
// over the rounds, and the spool drain rate after a one-hour outage (60 rounds × 100 measurements spooled,
// then an agent starts with the server reachable and uploads them).
//   npx tsx bench/agent.ts [seconds=150] [node flags...]   (e.g. --max-semi-space-size=1)
// KEEPWATCH_BENCH_AGENT_ROOT=DIR runs DIR's launcher or DIR/dist/src/cli.js instead (a copy of an earlier build
// with its bin/, package.json and a node_modules link), so a change is measured against the build before it in
// one session.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { sha256Hex } from "../src/api/auth.js";
import { Spool } from "../src/agent/spool.js";
import { makeTestPki } from "../tests/helpers/certs.js";
import { startDnsServer } from "../tests/helpers/dns-server.js";
import { startTestHttpServer } from "../tests/helpers/http-servers.js";
import { createHarness } from "../tests/api/harness.js";
import { realisticMeasurement } from "./ingest-measurement.js";

const TOKEN = "kwp_bench-agent";
const TARGETS = 100;
const OUTAGE_ROUNDS = 60;

export interface AgentFigures {
  startupSeconds: number;
  startRssMiB: number;
  peakRssMiB: number;
  meanRssMiB: number;
  /** Mean CPU over the measuring period, percent of one core. */
  meanCpuPercent: number;
  /** CPU seconds per measured target. */
  cpuMsPerTarget: number;
  measured: number;
  seconds: number;
  drainMeasurements: number;
  drainSeconds: number;
  drainPerSecond: number;
  nodeFlags: string[];
  /** RSS every half second while measuring (MiB), with KEEPWATCH_BENCH_RSS_TRACE=1. */
  rssTrace?: number[];
}

const status = (pid: number, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 Hz on Linux
}

function waitForLine(p: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`agent: no ${pattern} within ${timeoutMs} ms: ${out.slice(-1000)}`)), timeoutMs);
    const on = (b: Buffer) => {
      out += b.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    p.stdout?.on("data", on);
    p.stderr?.on("data", on);
  });
}

export async function benchAgent(seconds = 150, nodeFlags: string[] = []): Promise<AgentFigures> {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "ignore" }); // the agent runs compiled code
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-agent-"));
  const pki = makeTestPki();
  const names = Array.from({ length: TARGETS }, (_, i) => `t${i}.bench.test`);
  const site = await startTestHttpServer({ address: "127.0.0.1", tls: pki.leaf(names) });
  const dns = await startDnsServer({ rules: Object.fromEntries(names.map((n) => [n, { A: ["127.0.0.1"] }])) });
  const h = await createHarness({ clock: () => new Date() });
  await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
  const url = await h.listen();
  const list = join(dir, "targets.txt");
  writeFileSync(list, names.map((n) => `https://${n}:${site.port}/page`).join("\n") + "\n");
  const root = process.env.KEEPWATCH_BENCH_AGENT_ROOT ?? ".";
  const program = nodeFlags.length > 0 ? process.execPath : join(root, "bin", "keepwatch.js");
  const start = nodeFlags.length > 0 ? [...nodeFlags, join(root, "dist", "src", "cli.js")] : [];
  const agentArgs = (spool: string, cron: string) => [...start, "agent", "--server", url, "--insecure-lab-http",
    "--probe", "probe-47", "--region", "KZ-47", "--network", "kcell-mobile", "--network-kind", "mobile", "--list", list,
    "--resolver", dns.resolver, "--ca", pki.caCertPath, "--not-bogon", "127.0.0.0/8", "--timeout", "5",
    "--state-dir", join(dir, "state"), "--spool", spool, "--cron", cron];
  const env = { ...process.env, KEEPWATCH_PROBE_TOKEN: TOKEN, KEEPWATCH_LOG_LEVEL: "info" };
  const children: ChildProcess[] = [];
  try {
    // 1. Measuring 100 targets a minute (every minute at second 0).
    const t0 = performance.now();
    const agent = spawn(program, agentArgs(join(dir, "spool"), "0 * * * * *"), { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(agent);
    await waitForLine(agent, /"msg":"agent running"/, 60_000);
    const startupSeconds = (performance.now() - t0) / 1000;
    const startRssMiB = status(agent.pid!, "VmRSS");
    const cpu0 = cpuSeconds(agent.pid!);
    const samples: number[] = [];
    const measuredBefore = (await h.store.measurementFacts({ probeId: "probe-47" })).length;
    const started = Date.now();
    while (Date.now() - started < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 500));
      samples.push(status(agent.pid!, "VmRSS"));
    }
    const cpu = cpuSeconds(agent.pid!) - cpu0;
    const peakRssMiB = Math.max(status(agent.pid!, "VmHWM"), ...samples);
    const measured = (await h.store.measurementFacts({ probeId: "probe-47" })).length - measuredBefore;
    agent.kill("SIGTERM");
    await new Promise((r) => agent.once("exit", r));

    // 2. An hour offline: 60 rounds of 100 measurements in the spool, then the agent starts with the server up.
    const spoolDir = join(dir, "outage-spool");
    const spool = new Spool(spoolDir);
    const base = Date.now() - 3_600_000;
    for (let round = 0; round < OUTAGE_ROUNDS; round++) {
      spool.append(Array.from({ length: TARGETS }, (_, i) => {
        const m = realisticMeasurement(round * TARGETS + i, base + round * 60_000);
        return { ...m, probe: { ...m.probe, id: "probe-47", role: "region" as const }, region: "KZ-47",
          network: { id: "kcell-mobile", asn: 29355, kind: "mobile" as const } };
      }));
    }
    const drainMeasurements = OUTAGE_ROUNDS * TARGETS;
    const d0 = performance.now();
    const drainer = spawn(program, agentArgs(spoolDir, "0 0 1 1 *"), { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(drainer);
    while (spool.segments().length > 0) {
      if (performance.now() - d0 > 600_000) throw new Error("spool did not drain in 10 minutes");
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainSeconds = (performance.now() - d0) / 1000;
    drainer.kill("SIGTERM");
    const mean = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
    return {
      startupSeconds: round(startupSeconds, 2), startRssMiB: round(startRssMiB, 1), peakRssMiB: round(peakRssMiB, 1),
      meanRssMiB: round(mean, 1), meanCpuPercent: round((cpu / seconds) * 100, 2),
      cpuMsPerTarget: measured > 0 ? round((cpu * 1000) / measured, 2) : NaN, measured, seconds,
      drainMeasurements, drainSeconds: round(drainSeconds, 2), drainPerSecond: Math.round(drainMeasurements / drainSeconds), nodeFlags,
      ...(process.env.KEEPWATCH_BENCH_RSS_TRACE ? { rssTrace: samples.map((n) => round(n, 1)) } : {}),
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await Promise.all([site.close(), dns.close(), h.close()]);
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [secondsArg, ...flags] = process.argv.slice(2);
  console.log(JSON.stringify(await benchAgent(Number(secondsArg ?? 150), flags)));
  process.exit(0);
}
