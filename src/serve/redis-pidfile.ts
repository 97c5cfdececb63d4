// The embedded redis-server's pidfile, and the search for one left running by a KeepWatch that died without
// stopping it. A pid is only ever signalled after /proc proves it is a redis-server started with *our*
// config file and working in *our* redis directory, so a pid recycled by an unrelated process is never hit.
import { readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";

/** The pid in a pidfile, or null when it is missing or not a pid. */
export function readPidfile(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

export function writePidfile(path: string, pid: number): void {
  writeFileSync(path, `${pid}\n`, { mode: 0o600 });
}

/** Removes the pidfile if it still names `pid` (a newer instance may have written its own). */
export function removePidfile(path: string, pid?: number): void {
  if (pid === undefined || readPidfile(path) === pid) rmSync(path, { force: true });
}

/** Alive and not a zombie (an exited child whose parent has not reaped it yet counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** True when `pid` is a live redis-server running on `confPath` in `dir` (what we started there). */
export function isOurRedis(pid: number, confPath: string, dir: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    // redis-server rewrites its title to "redis-server 127.0.0.1:PORT  <config file>" (proc-title-template).
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    const argv0 = cmdline.split(" ")[0] ?? "";
    if (!/(^|\/)redis-server$/.test(argv0) || !cmdline.includes(confPath)) return false;
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dir);
  } catch {
    return false; // Gone meanwhile, or not ours to inspect: either way not ours to stop.
  }
}

/** Live redis-servers on our config and dir: the pidfile's pid first, then any other found in /proc. */
export function findOurRedis(pidfile: string, confPath: string, dir: string): number[] {
  const found = new Set<number>();
  const fromFile = readPidfile(pidfile);
  if (fromFile !== null && isOurRedis(fromFile, confPath, dir)) found.add(fromFile);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid !== process.pid && !found.has(pid) && isOurRedis(pid, confPath, dir)) found.add(pid);
  }
  return [...found];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!processAlive(pid)) return true;
    await sleep(50);
  }
  return !processAlive(pid);
}

/**
 * Stops redis-servers a previous, crashed KeepWatch left on this directory: SIGTERM (Redis then fsyncs its
 * AOF and exits), SIGKILL if it has not gone after `graceMs`. Returns the pids stopped. Removes the pidfile.
 */
export async function stopOrphanRedis(pidfile: string, confPath: string, dir: string, graceMs = 10_000): Promise<number[]> {
  const pids = findOurRedis(pidfile, confPath, dir);
  for (const pid of pids) {
    if (!isOurRedis(pid, confPath, dir)) continue; // Re-checked right before each signal.
    process.kill(pid, "SIGTERM");
    if (!(await waitGone(pid, graceMs)) && isOurRedis(pid, confPath, dir)) {
      process.kill(pid, "SIGKILL");
      await waitGone(pid, 5_000);
    }
  }
  rmSync(pidfile, { force: true });
  return pids;
}
