import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { describeStore, openStore, storeLocation } from "../../src/store/open.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { freshDatabase } from "../helpers/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "kw-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openStore", () => {
  it("opens SQLite in the data directory by default, or at sqlite:PATH", async () => {
    const a = openStore({ url: "sqlite" }, dir);
    expect(a).toBeInstanceOf(SqliteStore);
    await a.migrate();
    await a.close();
    expect(storeLocation("sqlite", dir)).toEqual({ kind: "sqlite", path: join(dir, "keepwatch.sqlite") });
    expect(storeLocation(`sqlite:${join(dir, "other.db")}`, "/nowhere")).toEqual({ kind: "sqlite", path: join(dir, "other.db") });
  });

  it("opens PostgreSQL for a postgres:// URL and never shows its password", async () => {
    const url = await freshDatabase();
    const s = openStore({ url, poolSize: 2 }, dir);
    expect(s).toBeInstanceOf(PostgresStore);
    await s.migrate();
    expect(await s.health()).toBe("up");
    await s.close();
    const loc = storeLocation("postgresql://kw:very-secret@db.example:5432/kw", dir);
    expect(loc.kind).toBe("postgres");
    expect(describeStore(loc)).toBe("postgresql://kw:***@db.example:5432/kw");
    expect(() => storeLocation("mysql://kw:very-secret@db/kw", dir)).toThrow(/store\.url/);
    try {
      storeLocation("mysql://kw:very-secret@db/kw", dir);
    } catch (err) {
      expect(String(err)).not.toContain("very-secret");
    }
  });
});
