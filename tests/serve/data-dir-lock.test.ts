// One `keepwatch serve` per data directory: the lock names its holder by pid and that pid's start time, so a
// live holder refuses a second server, and a dead one's (or a recycled pid's) lock is taken over.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirInUseError, lockDataDir, lockPath, processStartTime } from "../../src/serve/data-dir-lock.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "kw-lock-"));
  dirs.push(d);
  return d;
};

describe("lockDataDir", () => {
  it("refuses a second holder while the first lives, naming its pid, and frees the directory on release", () => {
    const dir = dataDir();
    const first = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lockPath(dir), "utf8"))).toEqual({ pid: process.pid, started: processStartTime(process.pid) });
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`another keepwatch (pid ${process.pid}) is running on the data directory ${dir}`);
    first.release();
    first.release();
    expect(existsSync(lockPath(dir))).toBe(false);
    lockDataDir(dir).release();
  });

  it("takes over the lock of a holder that died (SIGKILL leaves the file) and of a pid recycled by another program", async () => {
    const dir = dataDir();
    const dead = spawn("sleep", ["30"]);
    const deadStart = await new Promise<string>((ok) => setTimeout(() => ok(processStartTime(dead.pid!)!), 100));
    dead.kill("SIGKILL");
    await new Promise((r) => dead.once("exit", r));
    writeFileSync(lockPath(dir), JSON.stringify({ pid: dead.pid, started: deadStart }));
    lockDataDir(dir).release();

    // A live process holds the pid now, but not the one that wrote the lock: its start time differs.
    const bystander = spawn("sleep", ["30"]);
    try {
      writeFileSync(lockPath(dir), JSON.stringify({ pid: bystander.pid, started: "1" }));
      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(lockPath(dir), "utf8")).pid).toBe(process.pid);
      lock.release();
      // A half-written or foreign file is no holder either.
      writeFileSync(lockPath(dir), "{");
      lockDataDir(dir).release();
    } finally {
      bystander.kill("SIGKILL");
    }
  });

  it.runIf(process.getuid?.() === 0)("says the data directory is read-only instead of naming a temp file", () => {
    const dir = dataDir();
    const ro = join(dir, "ro");
    mkdirSync(ro);
    expect(spawnSync("mount", ["--bind", "-o", "ro", ro, ro]).status).toBe(0);
    try {
      expect(() => lockDataDir(ro)).toThrow(`the data directory ${ro} is on a read-only file system (EROFS)`);
    } finally {
      spawnSync("umount", [ro]);
    }
  });
});
