// The collection after a round: with --expose-gc (set by the launcher for `keepwatch agent`) it frees what the
// round left behind; without it, it does nothing and says so. Runs the compiled module in a fresh node.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);
const MODULE = new URL("../../dist/src/agent/release-memory.js", import.meta.url).href;
const SCRIPT = `
const { releaseMemory } = await import(${JSON.stringify(MODULE)});
let garbage = Array.from({ length: 200_000 }, (_, i) => ({ i, s: "x".repeat(40) + i }));
const before = process.memoryUsage().heapUsed;
garbage = null;
const collected = releaseMemory();
console.log(JSON.stringify({ collected, freedMiB: (before - process.memoryUsage().heapUsed) / 1048576 }));
`;

async function inNode(flags: string[]): Promise<{ collected: boolean; freedMiB: number }> {
  const { stdout } = await run(process.execPath, [...flags, "--input-type=module", "-e", SCRIPT], { timeout: 60_000 });
  return JSON.parse(stdout) as { collected: boolean; freedMiB: number };
}

describe.runIf(existsSync(new URL(MODULE)))("releaseMemory", () => {
  it("frees a round's garbage when node runs with --expose-gc", async () => {
    const r = await inNode(["--expose-gc"]);
    expect(r.collected).toBe(true);
    expect(r.freedMiB).toBeGreaterThan(10);
  });

  it("does nothing without --expose-gc", async () => {
    expect((await inNode([])).collected).toBe(false);
  });
});
