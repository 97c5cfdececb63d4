// Contract cases for concurrent writers: two stores (two connections or pools, as two collector
// processes have) inserting overlapping batches at once, and redelivery. Rollups must stay exact: every
// stored row counted once, no duplicate ever counted.
import { expect, it } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import type { ContractContext } from "./contract.js";
import { expectRowsClose, rounds } from "./contract-stats.js";

const BASE = Date.parse("2025-01-06T00:00:00Z");

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function batches<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export function concurrencyContract(ctx: ContractContext): void {
  it("two writers inserting overlapping batches at once store each row once and keep rollups exact", async () => {
    const all: Measurement[] = rounds(4, BASE); // 2 regions x 2 probes x 3 targets every 5 min, 4 hours
    const second = await ctx.factory.reopen();
    // Each writer gets every row (in its own order and batch sizes) plus redeliveries of its own batches.
    const aBatches = batches(shuffled(all, 1), 61);
    const bBatches = batches(shuffled(all, 2), 89);
    const run = async (store: typeof second, bs: Measurement[][]) => {
      let inserted = 0;
      let duplicates = 0;
      for (const [i, b] of bs.entries()) {
        const r = await store.insertMeasurements(b);
        inserted += r.inserted;
        duplicates += r.duplicates;
        if (i % 3 === 0) duplicates += (await store.insertMeasurements(b)).duplicates; // redelivery
      }
      return { inserted, duplicates };
    };
    const [ra, rb] = await Promise.all([run(ctx.store, aBatches), run(second, bBatches)]);
    expect(ra.inserted + rb.inserted).toBe(all.length);
    expect(ra.inserted).toBeGreaterThan(0);
    expect(rb.inserted).toBeGreaterThan(0);

    // The reference: the same rows inserted once, by one writer, into a fresh store.
    const q = { since: new Date(BASE), until: new Date(BASE + 5 * 3600_000) };
    const got = {
      minute: await ctx.store.targetStats({ ...q, bucketSeconds: 60 }),
      hour: await ctx.store.targetStats({ ...q, bucketSeconds: 3600 }),
      netMinute: await ctx.store.networkStats({ ...q, bucketSeconds: 60 }),
      netHour: await ctx.store.networkStats({ ...q, bucketSeconds: 3600 }),
      raw: await ctx.store.targetStats({ ...q, bucketSeconds: 30 }),
      probes: await ctx.store.listProbes(),
      lastSeen: await ctx.store.lastSeen(),
    };
    const reference = await ctx.factory.open();
    await reference.insertMeasurements(all);
    expectRowsClose(got.minute, await reference.targetStats({ ...q, bucketSeconds: 60 }));
    expectRowsClose(got.hour, await reference.targetStats({ ...q, bucketSeconds: 3600 }));
    expectRowsClose(got.netMinute, await reference.networkStats({ ...q, bucketSeconds: 60 }));
    expectRowsClose(got.netHour, await reference.networkStats({ ...q, bucketSeconds: 3600 }));
    expectRowsClose(got.raw, await reference.targetStats({ ...q, bucketSeconds: 30 }));
    expect(got.probes).toEqual(await reference.listProbes());
    expect(got.lastSeen).toEqual(await reference.lastSeen());
    expect(got.hour.reduce((n, r) => n + r.total, 0)).toBe(all.length);
  });

  it("a redelivered batch racing its first delivery is stored and counted once", async () => {
    const second = await ctx.factory.reopen();
    for (let round = 0; round < 5; round++) {
      const batch = Array.from({ length: 200 }, (_, i) =>
        fixtureMeasurement({ startedAt: new Date(BASE + round * 60_000 + i * 100).toISOString(), probeId: `p${i % 3}` }));
      const [a, b] = await Promise.all([ctx.store.insertMeasurements(batch), second.insertMeasurements([...batch].reverse())]);
      expect(a.inserted + b.inserted).toBe(200);
      expect(a.duplicates + b.duplicates).toBe(200);
    }
    const stats = await ctx.store.targetStats({ since: new Date(BASE), until: new Date(BASE + 3600_000), bucketSeconds: 3600 });
    expect(stats.reduce((n, r) => n + r.total, 0)).toBe(1000);
    expect((await ctx.store.listProbes()).reduce((n, p) => n + p.measurements, 0)).toBe(1000);
  });
}
