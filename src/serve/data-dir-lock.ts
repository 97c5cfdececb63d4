// One `keepwatch serve` per data directory when it runs its own Redis. A second one started on the same
// directory (a careless restart, a second terminal, a unit file and a manual run) used to take the running
// server's redis-server for an orphan of a crash and stop it, leaving the first server without its queue.
// The lock file names the holder by pid *and* the kernel's start time of that pid, so a pid recycled after
// a crash (SIGKILL leaves the file behind) is never mistaken for a live KeepWatch.
import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      `another keepwatch (pid ${pid}) is running on the data directory ${dataDir}; ` +
        "stop it first, or give this one its own --data directory",
    );
  }
}

interface Holder {
  pid: number;
  started: string;
}

/** The kernel's start time of a process (clock ticks since boot, /proc/PID/stat field 22), or null if gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    if (state === "Z" || state === "X") return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    return Number.isInteger(h.pid) && typeof h.started === "string" ? { pid: h.pid!, started: h.started } : null;
  } catch {
    return null; // Missing, or half-written by a process that died: not a live holder.
  }
}

function holderAlive(h: Holder): boolean {
  return processStartTime(h.pid) === h.started;
}

export interface DataDirLock {
  path: string;
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, "keepwatch-serve.lock");
}

/** Takes the data directory for this process, or throws DataDirInUseError naming the live holder. */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = lockPath(dataDir);
  const me: Holder = { pid: process.pid, started: processStartTime(process.pid) ?? "unknown" };
  // Written whole under a private name, then linked into place: link() fails if the lock exists, so of two
  // racing starts exactly one wins, and nobody ever reads a half-written lock.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(me) + "\n", { mode: 0o600 });
  } catch (e) {
    // The first write into the data directory: say what is wrong with the directory, not with a temp file.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EROFS" || code === "EACCES" || code === "EPERM" || code === "ENOSPC" || code === "EDQUOT") {
      const why = code === "ENOSPC" || code === "EDQUOT" ? "is full" : code === "EROFS" ? "is on a read-only file system" : "is not writable";
      throw new Error(`the data directory ${dataDir} ${why} (${code}): KeepWatch keeps its store and queue there; use --data DIR for a writable one`);
    }
    throw e;
  }
  try {
    let taken = false;
    for (let attempt = 0; attempt < 3 && !taken; attempt++) {
      try {
        linkSync(tmp, path);
        taken = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const holder = readHolder(path);
        if (holder && holderAlive(holder)) throw new DataDirInUseError(dataDir, holder.pid);
        rmSync(path, { force: true }); // Left by a KeepWatch that died: take it over.
      }
    }
    if (!taken) throw new DataDirInUseError(dataDir, readHolder(path)?.pid ?? 0);
  } finally {
    rmSync(tmp, { force: true });
  }
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      const h = readHolder(path);
      if (h && h.pid === me.pid && h.started === me.started) rmSync(path, { force: true });
    },
  };
}
