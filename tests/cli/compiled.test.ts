// The shipped command runs compiled JavaScript (dist/, built by `npm run build`, which `npm test` runs first):
// no TypeScript loader, and the volunteer agent never loads the server's heavy dependencies.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const BUILT = existsSync("dist/src/cli.js");

async function node(args: string[], env: NodeJS.ProcessEnv = {}, program = process.execPath): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(program, args, { timeout: 60_000, env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

describe.runIf(BUILT)("compiled keepwatch (dist/)", () => {
  it("runs from bin/keepwatch.js without tsx and finds the shipped config and whitelists", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-compiled-"));
    try {
      const log = join(dir, "imports.log");
      const check = await node(["--import", "./tests/fixtures/record-imports.mjs", "bin/keepwatch.js", "config", "check", "config/default.yaml"], { KEEPWATCH_IMPORT_LOG: log });
      expect(check.stderr).toBe("");
      expect(check.code).toBe(0);
      expect(readFileSync(log, "utf8").split("\n")).not.toContain("tsx");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads neither BullMQ, ioredis nor better-sqlite3 for the volunteer agent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-compiled-"));
    try {
      const log = join(dir, "imports.log");
      // No token: the agent stops with exit 2 after its modules are loaded, before any network use.
      const agent = await node(
        ["--import", "./tests/fixtures/record-imports.mjs", "bin/keepwatch.js", "agent", "--server", "https://keepwatch.invalid", "--probe", "p1", "--region", "KZ-47", "--network", "n1", "--spool", join(dir, "spool"), "--once"],
        { KEEPWATCH_IMPORT_LOG: log },
      );
      expect(agent.code).toBe(2);
      const loaded = new Set(readFileSync(log, "utf8").split("\n").filter(Boolean));
      expect(loaded.has("undici")).toBe(true); // the probes did load: the hook saw the agent's imports
      for (const heavy of ["bullmq", "ioredis", "better-sqlite3", "tsx", "hono", "prom-client"]) expect(loaded.has(heavy), heavy).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // What `keepwatch agent` holds in memory is what it imports (README "Where the agent's memory goes"): run the
  // launcher as a volunteer does and list every module file the process loaded.
  const ROOT = fileURLToPath(new URL("../../", import.meta.url));
  // Server-side code: storage, queues, the API, detection, alerts, the IP-to-ASN tables, the whole server
  // configuration schema. None of it has a use in a volunteer's agent.
  const SERVER_ONLY = /^dist\/src\/(api|store|collector|serve|detect|alerts|analysts|scheduler|queue|views|migrate|leader|metrics|health|registry|attribution|helper)\/|^dist\/src\/config\/(schema(-[a-z-]+)?|load|roles|cross-check)\.js$/;
  const launch = async (args: string[], log: string) =>
    node(args, { KEEPWATCH_IMPORT_LOG: log, NODE_OPTIONS: "--import ./tests/fixtures/record-imports.mjs" }, join(ROOT, "bin", "keepwatch.js"));

  it("runs the agent with its memory flags and without a server module, pino-pretty or node-cron", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-compiled-"));
    try {
      const log = join(dir, "imports.log");
      // No token: the agent stops with exit 2 after its modules are loaded, before any network use.
      const agent = await launch(["agent", "--server", "https://keepwatch.invalid", "--probe", "p1", "--region", "KZ-47", "--network", "n1", "--spool", join(dir, "spool"), "--once"], log);
      expect(agent.stderr).toMatch(/no probe token/);
      expect(agent.code).toBe(2);
      const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
      expect(JSON.parse(lines.find((l) => l.startsWith("execArgv: "))!.slice("execArgv: ".length))).toEqual(expect.arrayContaining(["--max-semi-space-size=1", "--optimize-for-size", "--expose-gc"]));
      const files = [...new Set(lines.filter((l) => l.startsWith("file:")).map((u) => fileURLToPath(u)))]
        .filter((f) => f.startsWith(ROOT)).map((f) => f.slice(ROOT.length));
      // The hook saw the agent's own modules and the probes it measures with.
      expect(files).toEqual(expect.arrayContaining(["dist/src/cli/agent.js", "dist/src/agent/agent.js", "dist/probes/web.js"]));
      expect(files.filter((f) => SERVER_ONLY.test(f))).toEqual([]);
      const packages = new Set(lines.filter((l) => !l.startsWith("file:") && !l.startsWith("execArgv: ")));
      expect(packages.has("undici")).toBe(true);
      for (const unneeded of ["bullmq", "ioredis", "better-sqlite3", "pg", "hono", "prom-client", "@ip-location-db/asn", "@ip-location-db/asn-country", "pino-pretty", "node-cron"]) {
        expect(packages.has(unneeded), unneeded).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes the agent's flags to the agent only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-compiled-"));
    try {
      const log = join(dir, "imports.log");
      const check = await launch(["config", "check", "config/default.yaml"], log);
      expect(check.code).toBe(0);
      expect(readFileSync(log, "utf8")).toContain("execArgv: []\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

it("dist/ exists when the tests run (npm test builds it first)", () => {
  expect(BUILT, "run `npm run build` (npm test does) before the tests").toBe(true);
});
