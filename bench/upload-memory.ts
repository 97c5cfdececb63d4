// Upload memory benchmark: peak RSS of a real `keepwatch serve` process while 16 agents each upload a
// 4.7 MB batch at once (the issue 9 audit's case), with the server-wide body budget effectively off and at
// its default. Each agent retries after Retry-After until its batch is taken, so both runs store the same
// data; the figure that differs is memory.
//   npx tsx bench/upload-memory.ts [agents] [rounds] [budget...]   (budgets like 32mb; default: off, 16mb)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { sha256Hex } from "../src/api/auth.js";
import type { Measurement } from "../src/measurement.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { realisticMeasurement } from "./ingest-measurement.js";

const TOKEN = "kwp_bench-upload-memory";
const MiB = 1024 * 1024;

export interface UploadMemoryFigures {
  budget: string;
  agents: number;
  bodyMB: number;
  idleRssMiB: number;
  peakRssMiB: number;
  accepted: number;
  refused503: number;
  /** 503s by reason: the body budget ("busy") or Redis not answering in time ("queue"). */
  refusedBusy: number;
  /** Refusals the client saw as a reset (the server stops reading a refused body after 500 ms). */
  resets: number;
  seconds: number;
}

function rssKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

/** One batch of about 4.7 MB, as a busy agent that was offline for a while sends it. */
function body(agent: number, round: number): string {
  const base = Date.now() - 600_000;
  const items: Measurement[] = [];
  let size = 0;
  for (let i = 0; size < 4.7e6; i++) {
    const m = realisticMeasurement(agent * 1_000_000 + round * 100_000 + i, base);
    const mine = { ...m, probe: { ...m.probe, id: "probe-47", role: "region" as const }, region: "KZ-47",
      network: { id: "kcell-mobile", asn: 29355, kind: "mobile" as const } };
    size += JSON.stringify(mine).length + 1;
    items.push(mine);
  }
  return JSON.stringify({ measurements: items });
}

async function run(budget: string, agents: number, rounds: number): Promise<UploadMemoryFigures> {
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-mem-"));
  const data = join(dir, "data");
  mkdirSync(data);
  const config = join(dir, "keepwatch.yaml");
  writeFileSync(config, [
    "regions: [{ id: KZ-47 }]",
    "networks: [{ id: kcell-mobile, name: Kcell, asn: 29355, kind: mobile }]",
    "probes: [{ id: probe-47, region: KZ-47, network: kcell-mobile, mode: remote }]",
    "targets: { fromWhitelist: false, extra: [{ url: 'https://example.test/', list: whitelisted, category: gov }] }",
    "schedule: { cron: '0 0 1 1 *' }",
    "redis: { maxmemory: 1gb }",
    `uploads: { requestsPerMinute: 100000, measurementsPerMinute: 100000000, concurrentPerToken: 64, inFlightBytes: ${budget} }`,
    "",
  ].join("\n"));
  const store = new SqliteStore(join(data, "keepwatch.sqlite"));
  await store.migrate();
  await store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
  await store.close();
  const env: NodeJS.ProcessEnv = { ...process.env, KEEPWATCH_LOG_LEVEL: "warn" };
  delete env.REDIS_URL;
  const proc = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve", "-c", config, "--data", data, "--port", "0"], { env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = "";
      proc.stdout!.on("data", (b: Buffer) => {
        out += b.toString();
        const m = /KeepWatch dashboard: (http:\/\/\S+?)\/\n/.exec(out);
        if (m) ok(m[1]!);
      });
      proc.once("exit", (code) => fail(new Error(`serve exited ${code}`)));
    });
    const bodies = Array.from({ length: agents }, (_, a) => Array.from({ length: rounds }, (_, r) => body(a, r)));
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = rssKiB(proc.pid!, "VmRSS");
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(proc.pid!, "VmRSS"))), 20);
    let accepted = 0;
    let refused = 0;
    let resets = 0;
    let busy = 0;
    const started = performance.now();
    await Promise.all(bodies.map(async (mine) => {
      for (const b of mine) {
        for (;;) {
          const res = await fetch(`${url}/api/v1/measurements`, {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
            body: b,
          }).catch(() => null);
          if (res === null) {
            resets += 1;
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          const text = await res.text();
          if (res.status === 503 && text.includes("uploads in progress")) busy += 1;
          if (res.status === 202) {
            accepted += 1;
            break;
          }
          if (res.status !== 503) throw new Error(`upload answered ${res.status}`);
          refused += 1;
          // A real agent waits Retry-After (seconds); the bench waits a tenth of it to keep the run short.
          await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 100));
        }
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssKiB(proc.pid!, "VmHWM"));
    return {
      budget, agents, bodyMB: Number((bodies[0]![0]!.length / 1e6).toFixed(2)),
      idleRssMiB: Math.round(idle / 1024), peakRssMiB: Math.round(peak / 1024), accepted, refused503: refused, refusedBusy: busy, resets,
      seconds: Number(seconds.toFixed(1)),
    };
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchUploadMemory(agents = 16, rounds = 1, budgets = [`${4096 * MiB}`, "16mb"]): Promise<{ runs: UploadMemoryFigures[] }> {
  const runs: UploadMemoryFigures[] = [];
  for (const budget of budgets) {
    const r = await run(budget, agents, rounds);
    console.log(JSON.stringify(r));
    runs.push(r);
  }
  return { runs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const budgets = process.argv.slice(4);
  await benchUploadMemory(Number(process.argv[2] ?? 16), Number(process.argv[3] ?? 1), budgets.length > 0 ? budgets : undefined);
}
