// The ingest benchmark's CPU accounting must charge a process tree with all it used, including children that
// ran and exited between the two samples (PostgreSQL backends do), and nothing of processes outside it.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readProcStat, startCpuMeter, treeCpuSeconds, treesCpu } from "../../bench/process-cpu.js";

/** Node code that burns `ms` of its own CPU time (not wall time: a loaded machine only makes it slower). */
const burn = (ms: number) => `const s = process.cpuUsage(); while ((process.cpuUsage(s).user + process.cpuUsage(s).system) / 1000 < ${ms}) {}`;

describe("process CPU accounting (/proc)", () => {
  it("charges a tree with a grandchild that burned CPU and exited before the second sample", async () => {
    // The parent waits for a child that burns 400 ms and exits, then idles until told to stop.
    const parent = spawn(process.execPath, ["-e", `
      const { spawnSync } = require("node:child_process");
      process.stdin.once("data", () => {
        spawnSync(process.execPath, ["-e", ${JSON.stringify(burn(400))}]);
        process.stdout.write("done\\n");
        process.stdin.once("data", () => process.exit(0));
      });
      process.stdout.write("ready\\n");`], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await once(parent.stdout!, "data");
      const meter = startCpuMeter({ tree: treesCpu(() => [parent.pid!]) });
      parent.stdin!.write("go\n");
      await once(parent.stdout!, "data");
      const used = meter();
      // The grandchild has gone: its 400 ms are counted only through the parent's cutime (ticks are 10 ms).
      expect(readProcStat(parent.pid!)).not.toBeNull();
      expect(used.tree).toBeGreaterThanOrEqual(0.38);
    } finally {
      parent.stdin!.write("stop\n");
      if (parent.exitCode === null) await once(parent, "exit");
    }
  });

  it("reads a process name with spaces and parentheses, and gives 0 / null for a process that has gone", async () => {
    // The kernel names a process after its executable's file name (field 2 of /proc/PID/stat, in parentheses);
    // spawn returns once the child has exec'd, so the name is already set.
    const dir = mkdtempSync(join(tmpdir(), "kw-proc-"));
    const odd = join(dir, "odd ) (name x");
    symlinkSync(process.execPath, odd);
    const child = spawn(odd, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      expect(readFileSync(`/proc/${child.pid}/stat`, "utf8")).toContain("(odd ) (name x)");
      const stat = readProcStat(child.pid!);
      expect(stat?.ppid).toBe(process.pid);
      expect(stat!.ticks).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill();
      await once(child, "exit");
      rmSync(dir, { recursive: true, force: true });
    }
    expect(readProcStat(child.pid!)).toBeNull();
    expect(treeCpuSeconds([child.pid!])).toEqual([0]);
  });
});
