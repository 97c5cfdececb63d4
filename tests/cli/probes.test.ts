import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inviteCodeHash } from "../../src/registry/invites.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { databasePath } from "../../src/serve/data-dir.js";

const CLI = ["--import", "tsx", "src/cli.ts"];
function keepwatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

describe("keepwatch probes invite / agent (careless operator and volunteer)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kw-probes-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints a one-time code once and stores only its hash in the data directory", async () => {
    const r = await keepwatch(["probes", "invite", "--region", "KZ-47", "--network", "kcell-mobile", "--expires", "2d", "-c", "config/default.yaml", "--data", dir]);
    expect(r.code, r.stderr).toBe(0);
    const code = r.stdout.trim();
    expect(code).toMatch(/^kwi_[A-Za-z0-9_-]{24}$/);
    expect(r.stderr).toMatch(/keepwatch agent enroll kwi_/);
    const store = new SqliteStore(databasePath(dir));
    try {
      // Redeemable exactly as stored: by its hash, before the expiry, once.
      const at = new Date(Date.now() + 47 * 3600_000);
      expect((await store.redeemInvite(inviteCodeHash(code), at, "probe-cli-1", "0".repeat(64))).ok).toBe(true);
      expect(await store.redeemInvite(inviteCodeHash(code), at, "probe-cli-2", "1".repeat(64))).toEqual({ ok: false, reason: "used" });
    } finally {
      await store.close();
    }
  }, 120_000);

  it("refuses unknown places, bad expiries and an http:// server with one clear line and exit 2", async () => {
    for (const [args, message] of [
      [["probes", "invite", "--region", "KZ-99", "--network", "kcell-mobile", "--data", dir], /region KZ-99 is not in the server's configuration/],
      [["probes", "invite", "--region", "KZ-47", "--network", "kcell-mobile", "--expires", "1y", "--data", dir], /30m, 12h or 7d/],
      [["agent", "--server", "http://keepwatch.test", "--probe", "p1", "--region", "KZ-47", "--network", "n1", "--once"], /token would travel in the clear/],
      [["agent", "enroll", "kwi_x", "--server", "http://keepwatch.test", "--state-dir", join(dir, "s")], /token would travel in the clear/],
      [["agent", "--state-dir", join(dir, "empty"), "--once"], /not enrolled/],
    ] as const) {
      const r = await keepwatch([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
  }, 180_000);
});
