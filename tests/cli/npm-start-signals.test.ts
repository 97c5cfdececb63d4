// `npm start` as an operator stops it: SIGTERM to npm's pid (what systemd, Docker or `kill` send) and SIGINT
// to the whole process group (Ctrl-C in a terminal). Either way, within a bound, npm, the node process and
// the embedded redis-server (and its watchdog) are gone and no pidfile is left. The real chain: npm → sh →
// node dist/src/cli.js serve → redis-server, on the shipped configuration (which measures nothing until
// `keepwatch setup`: no packet leaves this machine). Runs the compiled code: `npm run build` first.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packagePath } from "../../src/package-root.js";
import { embeddedRedisPaths } from "../../src/serve/embedded-redis.js";
import { processAlive, readPidfile } from "../../src/serve/redis-pidfile.js";

/** How long a stop may take: the graceful sequence's own cap is 30 s; an idle server takes about a second. */
const STOP_BOUND_MS = 20_000;
const dirs: string[] = [];
const started: ChildProcess[] = [];

afterAll(async () => {
  // Anything a failed run left: the group of each npm we started, then (the watchdog needs the data
  // directory to recognise its redis-server) whatever still names one of our directories.
  for (const p of started) {
    try {
      if (p.pid) process.kill(-p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const d of dirs) {
    const end = Date.now() + 15_000;
    while (pidsMentioning(d).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    for (const pid of pidsMentioning(d)) process.kill(pid, "SIGKILL");
    rmSync(d, { recursive: true, force: true });
  }
}, 60_000);

/** Pids whose command line mentions `needle` (our unique data directory). */
function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(needle)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Pids of the processes in a process group. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is the state, [2] the process group; zombies do not count (they are gone but for a reap).
      if (Number(fields[2]) === pgid && fields[0] !== "Z") out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

async function startNpm(until: "serving" | "redis-started" = "serving"): Promise<{ npm: ChildProcess; data: string; url: string; nodePid: number; redisPid: number; output: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "kw-npm-start-"));
  dirs.push(dir);
  const data = join(dir, "data");
  // --ignore-scripts skips prestart (the build): this suite runs after it. Own process group, like a terminal job.
  const env: NodeJS.ProcessEnv = { ...process.env, KEEPWATCH_LOG_FORMAT: "json" };
  delete env.REDIS_URL; // the embedded redis-server, as on a fresh machine
  const npm = spawn("npm", ["start", "--ignore-scripts", "--", "--data", data, "--port", "0"], {
    cwd: packagePath(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  started.push(npm);
  let out = "";
  npm.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  npm.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const { pidfile } = embeddedRedisPaths(data);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /KeepWatch dashboard: (http:\/\/\S+)\//.exec(out);
      if (m?.[1] || (until === "redis-started" && existsSync(pidfile))) {
        clearInterval(timer);
        resolve(m?.[1] ?? "");
      }
    }, 20);
    npm.once("exit", (code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited (${code}) before serving: ${out.slice(-2000)}`));
    });
  });
  const redisPid = readPidfile(pidfile);
  // The node process itself (not a shell whose command line names it).
  const nodePid = pidsMentioning(data).find((pid) => readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "node");
  if (!redisPid || !nodePid) throw new Error(`no redis (${redisPid}) or node (${nodePid}) process found: ${out.slice(-2000)}`);
  return { npm, data, url, nodePid, redisPid, output: () => out };
}

async function expectAllGone(npm: ChildProcess, s: { data: string; nodePid: number; redisPid: number; output: () => string }, sentAt: number): Promise<number> {
  const exitCode = await new Promise<number | null>((resolve) => {
    if (npm.exitCode !== null) resolve(npm.exitCode);
    else npm.once("exit", (code) => resolve(code));
  });
  // npm returns when its child did; the grandchildren must be gone too, within the bound.
  const end = sentAt + STOP_BOUND_MS;
  while (Date.now() < end && (processAlive(s.nodePid) || processAlive(s.redisPid) || groupMembers(npm.pid!).length > 0)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const took = Date.now() - sentAt;
  const said = s.output().slice(-3000);
  expect(processAlive(s.nodePid), `node still running; it said:\n${said}`).toBe(false);
  expect(processAlive(s.redisPid), `redis-server still running; keepwatch said:\n${said}`).toBe(false);
  expect(groupMembers(npm.pid!)).toEqual([]); // no sh, node, redis-server or watchdog left in the job
  expect(pidsMentioning(s.data)).toEqual([]); // nor anywhere else (a redis-server that left the group)
  expect(existsSync(embeddedRedisPaths(s.data).pidfile)).toBe(false);
  expect(took).toBeLessThan(STOP_BOUND_MS);
  return exitCode ?? -1;
}

describe("npm start stops everything", () => {
  it("on SIGTERM to npm's pid alone", async () => {
    const s = await startNpm();
    expect((await fetch(`${s.url}/livez`)).status).toBe(200);
    const sentAt = Date.now();
    s.npm.kill("SIGTERM");
    const code = await expectAllGone(s.npm, s, sentAt);
    console.log(`npm start: SIGTERM to npm → npm exit ${code}, node and redis-server gone in ${Date.now() - sentAt} ms`);
  }, 120_000);

  it("on SIGINT to the whole process group (Ctrl-C)", async () => {
    const s = await startNpm();
    const sentAt = Date.now();
    process.kill(-s.npm.pid!, "SIGINT");
    const code = await expectAllGone(s.npm, s, sentAt);
    console.log(`npm start: SIGINT to the group → npm exit ${code}, node and redis-server gone in ${Date.now() - sentAt} ms`);
  }, 120_000);

  it("on SIGTERM while it is still starting (redis-server up, the rest not yet)", async () => {
    const s = await startNpm("redis-started");
    const sentAt = Date.now();
    process.kill(s.nodePid, "SIGTERM");
    await expectAllGone(s.npm, s, sentAt);
  }, 120_000);

  it("on SIGTERM to the node process itself (a supervisor that signals the server directly)", async () => {
    const s = await startNpm();
    const sentAt = Date.now();
    process.kill(s.nodePid, "SIGTERM");
    await expectAllGone(s.npm, s, sentAt);
  }, 120_000);
});
