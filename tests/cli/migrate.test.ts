// `keepwatch migrate` as an operator runs it: the real command line, a real SQLite file, a real PostgreSQL.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { freshDatabase } from "../helpers/postgres.js";

const CLI = ["--import", "tsx", "src/cli.ts"];
function keepwatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

describe("keepwatch migrate", () => {
  const dir = mkdtempSync(join(tmpdir(), "kw-migrate-cli-"));
  const path = join(dir, "keepwatch.sqlite");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses bad arguments with exit 2 and copies nothing", async () => {
    for (const args of [
      ["--from", "mysql:x", "--to", "postgres://h/db"],
      ["--from", `sqlite:${join(dir, "missing.sqlite")}`, "--to", "postgres://h/db"],
      ["--from", `sqlite:${path}`, "--to", "http://h/db"],
    ]) {
      const s = new SqliteStore(path);
      await s.migrate();
      await s.close();
      const r = await keepwatch(["migrate", ...args, "-c", "config/default.yaml"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/keepwatch migrate: /);
    }
  }, 240_000);

  it("copies, verifies, says so, and never prints the password", async () => {
    const s = new SqliteStore(path);
    await s.migrate();
    const now = Date.now();
    await s.insertMeasurements(Array.from({ length: 700 }, (_, i) =>
      fixtureMeasurement({ startedAt: new Date(now - 3 * 3600_000 + i * 10_000).toISOString(), region: "KZ-75" })));
    await s.close();
    const url = (await freshDatabase()).replace("postgres://postgres@", "postgres://postgres:pw-not-to-show@");
    const r = await keepwatch(["migrate", "--from", `sqlite:${path}`, "--to", url, "--page-size", "250", "-c", "config/default.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ok {3}measurements {13}sqlite 700 {2}postgres 700/);
    expect(r.stderr).toMatch(/API answers identical/);
    expect(r.stderr).toMatch(/migration complete and verified/);
    expect(r.stderr + r.stdout).not.toContain("pw-not-to-show");
  }, 180_000);
});
