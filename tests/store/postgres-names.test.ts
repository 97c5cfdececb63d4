// The PostgreSQL store's name ids (src/store/postgres/names.ts): two processes adding overlapping names at
// once agree on every id, a name another process added is read on first sight, and a damaged reference fails
// loudly instead of reading as some other name.
import { afterEach, describe, expect, it } from "vitest";
import { PgNames } from "../../src/store/postgres/names.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";

describe("PgNames", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it("gives overlapping names one id across processes adding them at once, and reads others' names on sight", async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    closers.push(() => store.close());
    await store.migrate();
    const pools = [createPool(url, { max: 3 }), createPool(url, { max: 3 })];
    for (const p of pools) closers.push(() => p.end());
    const [a, b] = pools.map((p) => new PgNames(p)) as [PgNames, PgNames];
    const names = Array.from({ length: 300 }, (_, i) => `https://site${i}.example.kz/`);
    // Each adds all of them, in opposite orders, in several concurrent calls.
    await Promise.all([
      ...[0, 100, 200].map((i) => a.intern(names.slice(i, i + 150))),
      ...[200, 100, 0].map((i) => b.intern([...names.slice(i, i + 150)].reverse())),
    ]);
    for (const n of names) expect(b.idOf(n)).toBe(a.idOf(n));
    expect((await adminQuery<{ n: number }>(url, "SELECT COUNT(*)::int AS n FROM names WHERE name LIKE 'https://site%'"))[0]!.n).toBe(300);
    // A third cache has never seen them: it reads ids and names from the table.
    const c = new PgNames(pools[0]!);
    expect(await c.find(names[7]!)).toBe(a.idOf(names[7]!));
    expect(await c.find("never-stored")).toBeNull();
    await c.load([a.idOf(names[9]!)]);
    expect(c.name(a.idOf(names[9]!))).toBe(names[9]);
    expect(() => c.name(999_999)).toThrow(/no name with id/);
  });

  it("refuses a measurement row whose name id points nowhere, loudly", async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    closers.push(() => store.close());
    await store.migrate();
    const m = fixtureMeasurement({ startedAt: "2025-05-01T10:00:00.000Z" });
    await store.insertMeasurements([m]);
    await adminQuery(url, "UPDATE measurements SET probe_ref = 999999 WHERE id = $1", [m.id]);
    const fresh = new PostgresStore(url);
    closers.push(() => fresh.close());
    await expect(fresh.getMeasurement(m.id)).rejects.toThrow(/no name with id 999999/);
  });
});
