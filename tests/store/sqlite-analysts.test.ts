// The analysts' layer contract on SQLite, plus what only SQLite can show: the audit log refuses UPDATE and
// DELETE in the database itself (triggers of migration 7), and a failed change leaves no audit line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.js";
import { analystsContract } from "./analysts-contract.js";

async function open() {
  const dir = mkdtempSync(join(tmpdir(), "kw-analysts-"));
  const store = new SqliteStore(join(dir, "keepwatch.db"));
  await store.migrate();
  return { store, dir, close: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

analystsContract(open);

describe("SQLite audit log", () => {
  it("cannot be edited or emptied, even with SQL on the file", async () => {
    const env = await open();
    try {
      await env.store.appendAudit({ at: "2026-12-01T10:00:00.000Z", actor: "adil", action: "user.add", subject: "anna", detail: null });
      const raw = new BetterSqlite3(join(env.dir, "keepwatch.db"));
      expect(() => raw.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow(/append-only/);
      expect(() => raw.prepare("DELETE FROM audit_log WHERE seq = 1").run()).toThrow(/append-only/);
      raw.close();
      expect((await env.store.listAudit({}))[0]).toMatchObject({ actor: "adil" });
    } finally {
      await env.close();
    }
  });

  it("writes no audit line for a change that fails", async () => {
    const env = await open();
    try {
      const bad = { name: "x", role: "boss" as never, passwordHash: "h", readTokenHash: null, createdAt: "2026-12-01T10:00:00.000Z", disabledAt: null };
      await expect(env.store.createUser(bad, { at: bad.createdAt, actor: "adil", action: "user.add", subject: "x", detail: null })).rejects.toThrow(/CHECK/);
      expect(await env.store.listAudit({})).toEqual([]);
    } finally {
      await env.close();
    }
  });
});
