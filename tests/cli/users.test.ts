// `keepwatch users` as an operator would use it, carelessly too: the password from stdin (never an
// argument), only its scrypt hash stored, bad names / roles / short passwords / unknown users refused with
// one line and exit 2, every change in the audit log under the operator's login.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../src/analysts/password.js";
import { databasePath } from "../../src/serve/data-dir.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";

const CLI = ["--import", "tsx", "src/cli.ts"];
function keepwatch(args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
    child.stdin!.end(stdin);
  });
}

describe("keepwatch users", () => {
  const dir = mkdtempSync(join(tmpdir(), "kw-users-cli-"));
  const data = ["-c", "config/default.yaml", "--data", dir];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("adds, lists, changes and disables users; stores only hashes; audits every change", async () => {
    const add = await keepwatch(["users", "add", "aigerim", "--role", "analyst", ...data], "s3cret-passphrase\n");
    expect(add.code, add.stderr).toBe(0);
    expect((await keepwatch(["users", "add", "adil", "--role", "admin", ...data], "another-passphrase\n")).code).toBe(0);
    const list = await keepwatch(["users", "list", "--json", ...data]);
    expect(JSON.parse(list.stdout).users.map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toEqual(["adil:admin", "aigerim:analyst"]);
    expect(list.stdout).not.toContain("scrypt");
    const token = await keepwatch(["users", "token", "aigerim", ...data]);
    expect(token.stdout.trim()).toMatch(/^kwu_[A-Za-z0-9_-]{43}$/);
    expect((await keepwatch(["users", "passwd", "aigerim", ...data], "a-new-passphrase\n")).code).toBe(0);
    expect((await keepwatch(["users", "role", "aigerim", "viewer", ...data])).code).toBe(0);
    expect((await keepwatch(["users", "disable", "aigerim", ...data])).code).toBe(0);

    const wal = `${databasePath(dir)}-wal`;
    const file = readFileSync(databasePath(dir)).toString("latin1") + (existsSync(wal) ? readFileSync(wal).toString("latin1") : "");
    expect(file).not.toContain("s3cret-passphrase");
    expect(file).not.toContain("a-new-passphrase");
    expect(file).not.toContain(token.stdout.trim());
    const store = new SqliteStore(databasePath(dir));
    try {
      const u = (await store.getUser("aigerim"))!;
      expect(u).toMatchObject({ role: "viewer", disabledAt: expect.any(String) });
      expect(await verifyPassword("a-new-passphrase", u.passwordHash)).toBe(true);
      expect(await verifyPassword("s3cret-passphrase", u.passwordHash)).toBe(false);
      const audit = await store.listAudit({});
      expect(audit.map((a) => `${a.action} ${a.subject}`)).toEqual([
        "user.add aigerim", "user.add adil", "user.token aigerim", "user.passwd aigerim", "user.role aigerim", "user.disable aigerim",
      ]);
      expect(audit.every((a) => a.actor.startsWith("cli"))).toBe(true);
    } finally {
      await store.close();
    }
  }, 180_000);

  it("refuses bad input with one clear line and exit 2, never a stack trace", async () => {
    for (const [args, stdin, message] of [
      [["users", "add", "Bad Name", "--role", "analyst"], "long-enough-pass\n", /invalid user name/],
      [["users", "add", "bolat", "--role", "boss"], "long-enough-pass\n", /invalid role "boss"/],
      [["users", "add", "bolat", "--role", "analyst"], "short\n", /at least 10 characters/],
      [["users", "add", "bolat", "--role", "analyst"], "", /at least 10 characters/],
      [["users", "passwd", "nobody"], "long-enough-pass\n", /no user nobody/],
      [["users", "disable", "nobody"], "", /no user nobody/],
      [["users", "role", "nobody", "viewer"], "", /no user nobody/],
    ] as const) {
      const r = await keepwatch([...args, ...data], stdin);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await keepwatch(["users", "add", "aigerim", "--role", "viewer", ...data], "long-enough-pass\n")).stderr).toMatch(/already exists/);
  }, 180_000);
});

describe("keepwatch users on PostgreSQL (store.url)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kw-users-pg-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes accounts and audit lines to the configured PostgreSQL store, not to a SQLite file", async () => {
    const url = await freshDatabase();
    const config = join(dir, "keepwatch.yaml");
    writeFileSync(config, `${readFileSync("config/default.yaml", "utf8")}\nstore:\n  url: ${JSON.stringify(url)}\n`);
    const data = ["-c", config, "--data", dir];
    const add = await keepwatch(["users", "add", "aigerim", "--role", "analyst", ...data], "s3cret-passphrase\n");
    expect(add.code, add.stderr).toBe(0);
    expect((await keepwatch(["users", "role", "aigerim", "viewer", ...data])).code).toBe(0);
    expect((await keepwatch(["users", "role", "nobody", "viewer", ...data])).code).toBe(2);
    const list = await keepwatch(["users", "list", "--json", ...data]);
    expect(JSON.parse(list.stdout).users.map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toEqual(["aigerim:viewer"]);
    expect(existsSync(databasePath(dir))).toBe(false);
    const rows = await adminQuery<{ password_hash: string }>(url, "SELECT password_hash FROM users");
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$/);
    const store = new PostgresStore(url);
    try {
      expect(await verifyPassword("s3cret-passphrase", (await store.getUser("aigerim"))!.passwordHash)).toBe(true);
      expect((await store.listAudit({})).map((a) => `${a.action} ${a.subject}`)).toEqual(["user.add aigerim", "user.role aigerim"]);
    } finally {
      await store.close();
    }
  }, 180_000);
});
