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

describe("keepwatch probes invites / invites revoke / revoke (operator)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kw-invites-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = ["-c", "config/default.yaml", "--data", dir];

  it("lists without codes, revokes an open invite, refuses a used one, revokes a probe's tokens", async () => {
    const codes: string[] = [];
    for (const network of ["kcell-mobile", "kcell-mobile"]) {
      const r = await keepwatch(["probes", "invite", "--region", "KZ-47", "--network", network, ...data]);
      expect(r.code, r.stderr).toBe(0);
      codes.push(r.stdout.trim());
    }
    const store = new SqliteStore(databasePath(dir));
    let probeId = "";
    try {
      const r = await store.redeemInvite(inviteCodeHash(codes[0]!), new Date(), "probe-0123456789ab", "0".repeat(64));
      expect(r.ok).toBe(true);
      probeId = "probe-0123456789ab";
    } finally {
      await store.close();
    }
    const listed = await keepwatch(["probes", "invites", ...data]);
    expect(listed.code, listed.stderr).toBe(0);
    for (const c of codes) expect(listed.stdout).not.toContain(c.slice(4));
    expect(listed.stdout).toMatch(/^ID +REGION +NETWORK +CREATED +EXPIRES +STATUS +USED BY$/m);
    expect(listed.stdout).toMatch(new RegExp(`used +${probeId}`));
    const json = JSON.parse((await keepwatch(["probes", "invites", "list", "--json", ...data])).stdout) as { invites: { id: string; status: string }[] };
    const open = json.invites.find((i) => i.status === "open")!;
    const used = json.invites.find((i) => i.status === "used")!;

    const revoked = await keepwatch(["probes", "invites", "revoke", open.id, ...data]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/revoked: its code no longer enrolls anything/);
    const store2 = new SqliteStore(databasePath(dir));
    try {
      expect(await store2.redeemInvite(inviteCodeHash(codes[1]!), new Date(), "probe-cli-3", "1".repeat(64))).toEqual({ ok: false, reason: "expired" });
    } finally {
      await store2.close();
    }
    for (const [args, message] of [
      [["probes", "invites", "revoke", used.id], /already used by probe probe-0123456789ab; revoke the probe instead/],
      [["probes", "invites", "revoke", open.id], /has expired already/],
      [["probes", "invites", "revoke", "nope"], /12 hex digits/],
      [["probes", "revoke", "../etc"], /probe/],
    ] as const) {
      const r = await keepwatch([...args, ...data]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    const gone = await keepwatch(["probes", "revoke", probeId, ...data]);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toMatch(/revoked 1 token of probe probe-0123456789ab/);
    const twice = await keepwatch(["probes", "revoke", probeId, ...data]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/no token that is not revoked already/);
  }, 240_000);
});
