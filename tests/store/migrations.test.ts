import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { MIGRATIONS, applyMigrations, schemaVersion, type Migration } from "../../src/store/migrations.js";
import { SqliteStore } from "../../src/store/sqlite.js";

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "kw-migr-")); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("are idempotent: a second run applies nothing and data stays", async () => {
    const path = join(dir, "db.sqlite");
    const db = new BetterSqlite3(path);
    expect(applyMigrations(db)).toEqual(MIGRATIONS.map((m) => m.version));
    db.prepare("INSERT INTO state (key, value, updated_ms) VALUES ('k', 'v', 0)").run();
    expect(applyMigrations(db)).toEqual([]);
    db.close();
    const store = new SqliteStore(path);
    await store.migrate();
    await store.migrate();
    expect(await store.getState("k")).toBe("v");
    await store.close();
    const again = new BetterSqlite3(path);
    expect(schemaVersion(again)).toBe(MIGRATIONS.at(-1)!.version);
    expect((again.prepare("SELECT COUNT(*) AS n FROM schema_version").get() as { n: number }).n).toBe(MIGRATIONS.length);
    again.close();
  });

  it("applies only newer steps, and a failing step leaves the previous version intact", () => {
    const db = new BetterSqlite3(join(dir, "db.sqlite"));
    const steps: Migration[] = [
      { version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER)" },
      { version: 2, name: "two", sql: "CREATE TABLE b (x INTEGER); CREATE TABLE c (y INTEGER); CREATE TABLE a (z)" },
    ];
    expect(() => applyMigrations(db, steps)).toThrow(/already exists/);
    expect(schemaVersion(db)).toBe(1);
    // Step 2 rolled back as a whole: b was not left behind.
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('b', 'c')").all()).toEqual([]);
    steps[1] = { version: 2, name: "two", sql: "CREATE TABLE b (x INTEGER)" };
    expect(applyMigrations(db, steps)).toEqual([2]);
    db.close();
  });

  it("refuses a database written by newer software", () => {
    const db = new BetterSqlite3(join(dir, "db.sqlite"));
    applyMigrations(db, [{ version: 1, name: "one", sql: "" }, { version: 2, name: "two", sql: "" }]);
    expect(() => applyMigrations(db, [{ version: 1, name: "one", sql: "" }])).toThrow(/newer/);
    db.close();
  });
});
