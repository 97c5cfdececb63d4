// CPU time (user + system) of process trees, read from /proc/PID/stat, for benchmarks that must charge an
// ingest with everything it costs: the collectors, the PostgreSQL cluster and redis-server, which on a small
// machine all share the same cores. A tree's figure is its root's and its live descendants' own CPU plus
// what their already reaped children used (cutime/cstime): a PostgreSQL backend that exits during the drain
// is reaped by the postmaster, so its CPU moves into the postmaster's cutime and is still counted.
import { readFileSync, readdirSync } from "node:fs";

/** Linux's USER_HZ: /proc reports CPU in these ticks (100 on every mainstream architecture). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

/** Parses /proc/PID/stat; null when the process has gone. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ")": split after its last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
  const n = (field: number) => Number(fields[field - 3]);
  return { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
}

function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = readProcStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** CPU seconds of each root's process tree so far (0 for a root that has gone). */
export function treeCpuSeconds(roots: number[]): number[] {
  const procs = allProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  return roots.map((root) => {
    const top = byPid.get(root);
    if (!top) return 0;
    let ticks = 0;
    const stack = [top];
    while (stack.length > 0) {
      const p = stack.pop()!;
      ticks += p.ticks;
      stack.push(...(children.get(p.pid) ?? []));
    }
    return ticks / TICKS_PER_SECOND;
  });
}

/** CPU seconds of this process alone (not its children: the bench's redis-server is one). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** A component's CPU so far, in seconds: e.g. () => sum of treeCpuSeconds([postmaster]). */
export type CpuSampler = () => number;

export function treesCpu(roots: () => number[]): CpuSampler {
  return () => treeCpuSeconds(roots()).reduce((a, b) => a + b, 0);
}

/** Samples every component's CPU now; the returned function gives each one's CPU seconds since. */
export function startCpuMeter<K extends string>(components: Record<K, CpuSampler>): () => Record<K, number> {
  const keys = Object.keys(components) as K[];
  const sample = () => Object.fromEntries(keys.map((k) => [k, components[k]()])) as Record<K, number>;
  const before = sample();
  return () => {
    const after = sample();
    return Object.fromEntries(keys.map((k) => [k, Math.max(0, after[k] - before[k])])) as Record<K, number>;
  };
}
