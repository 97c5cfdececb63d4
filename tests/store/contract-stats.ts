// Contract cases for rollups and stats reads (targetStats, networkStats, pruneRollups, pruneTargetMinuteRollups): the same answers
// from hour rollups, minute rollups and raw rows, on every backend.
import { expect, it } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import type { NetworkStatsRow, TargetStatsRow } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { networkStatsOf } from "../fixtures/network-stats.js";
import type { ContractContext } from "./contract.js";

/** Where `rounds` starts unless told otherwise. */
export const BASE = Date.parse("2025-01-05T00:00:00Z");
export const HOUR = 3600_000;

/** Rounds every 5 minutes over `hours`, two regions x two probes x three targets, with failures and throughput. */
export function rounds(hours: number, from = BASE): Measurement[] {
  const out: Measurement[] = [];
  let i = 0;
  for (let t = from; t < from + hours * HOUR; t += 5 * 60_000) {
    for (const region of ["KZ-47", "KZ-75"]) {
      for (const probe of [0, 1]) {
        for (const target of [0, 1, 2]) {
          i += 1;
          const fails = i % 9 === 0 || (region === "KZ-47" && target === 2 && t >= from + HOUR);
          const blockings = [null, "dns", "tcp", "tls", "http-failure", "http-diff"] as const;
          const m = fixtureMeasurement({
            startedAt: new Date(t + probe * 7000 + target * 1000).toISOString(),
            region, probeId: `${region}-p${probe}`, network: probe === 0 ? "kt-fixed" : "kcell-mobile",
            url: `https://t${target}.test/`, list: target === 2 ? "non_whitelisted" : "whitelisted",
            role: region === "KZ-75" && probe === 1 && target === 0 ? "control" : "region",
            accessible: !fails, blocking: fails ? blockings[Math.floor(i / 9) % 6]! : null,
            bytesPerSecond: i % 4 === 0 ? 1000 * (i % 13) : null,
            handshakeTime: (i % 50) / 1000,
          });
          if (i % 7 === 0) m.check.dns[0]!.failure = "dns_nxdomain";
          if (i % 11 === 0) m.check.tls = [];
          out.push(m);
        }
      }
    }
  }
  return out;
}

export function expectRowsClose<T extends { throughputSum: number; tlsHandshakeSum: number }>(a: T[], b: T[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    const { throughputSum, tlsHandshakeSum, ...rest } = row;
    const { throughputSum: t2, tlsHandshakeSum: h2, ...rest2 } = b[i]!;
    expect(rest).toEqual(rest2);
    expect(throughputSum).toBeCloseTo(t2, 6);
    expect(tlsHandshakeSum).toBeCloseTo(h2, 9);
  });
}

/** Rows folded into wider buckets (what a store must answer for that width), in the stores' order. */
function rebucket<T extends TargetStatsRow | NetworkStatsRow>(rows: T[], seconds: number, key: (r: T) => string[]): T[] {
  const out = new Map<string, T>();
  for (const r of rows) {
    const b = new Date(Math.floor(Date.parse(r.bucketStart) / (seconds * 1000)) * seconds * 1000).toISOString();
    const k = [b, ...key(r)].join("\u0001");
    const s = out.get(k);
    if (!s) {
      out.set(k, { ...r, bucketStart: b, blocked: { ...r.blocked } });
      continue;
    }
    s.total += r.total; s.ok += r.ok; s.down += r.down; s.dnsFailures += r.dnsFailures;
    for (const [kk, v] of Object.entries(r.blocked)) s.blocked[kk] = (s.blocked[kk] ?? 0) + v;
    s.throughputSum += r.throughputSum; s.throughputCount += r.throughputCount;
    s.tlsHandshakeSum += r.tlsHandshakeSum; s.tlsHandshakeCount += r.tlsHandshakeCount;
    if (r.lastAt > s.lastAt) s.lastAt = r.lastAt;
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
const targetKey = (r: TargetStatsRow) => [r.region, r.network, r.probeId, r.list, r.url, r.role];


export function statsContract(ctx: ContractContext): void {
  it("sums per minute and re-buckets, without double counting redelivered ids", async () => {
    const at = (iso: string) => new Date(iso);
    const batch = [
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:05Z", handshakeTime: 0.1, bytesPerSecond: 1000 }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:55Z", accessible: false, blocking: "tls", failure: "tls_reset", handshakeTime: 0.3 }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:01:10Z", accessible: false, blocking: null, failure: "tcp_timeout" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:04:59.999Z", bytesPerSecond: 3000 }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:05:00Z", url: "https://other.test/", list: "non_whitelisted" }),
    ];
    await ctx.store.insertMeasurements(batch);
    await ctx.store.insertMeasurements(batch.slice(0, 3)); // redelivery
    const q = { since: at("2025-01-05T10:00:00Z"), until: at("2025-01-05T10:10:00Z") };
    const minutes = await ctx.store.targetStats({ ...q, bucketSeconds: 60 });
    expect(minutes.map((r) => [r.bucketStart, r.url, r.total])).toEqual([
      ["2025-01-05T10:00:00.000Z", "https://example.test/", 2],
      ["2025-01-05T10:01:00.000Z", "https://example.test/", 1],
      ["2025-01-05T10:04:00.000Z", "https://example.test/", 1],
      ["2025-01-05T10:05:00.000Z", "https://other.test/", 1],
    ]);
    const five = await ctx.store.targetStats({ ...q, bucketSeconds: 300 });
    expect(five.length).toBe(2);
    expect(five[0]).toEqual({
      bucketStart: "2025-01-05T10:00:00.000Z", region: "KZ-75", network: "kt-fixed", probeId: "probe-1",
      role: "region", url: "https://example.test/", list: "whitelisted", category: "gov",
      total: 4, ok: 2, blocked: { dns: 0, tcp: 0, tls: 1, "http-failure": 0, "http-diff": 0 }, down: 1,
      dnsFailures: 0, throughputSum: 4000, throughputCount: 2,
      tlsHandshakeSum: 0.1 + 0.3 + 0.05 + 0.05, tlsHandshakeCount: 4, lastAt: "2025-01-05T10:04:59.999Z",
    });
    expect(five[1]).toMatchObject({ bucketStart: "2025-01-05T10:05:00.000Z", list: "non_whitelisted", total: 1 });
    expect(five.reduce((n, r) => n + r.total, 0)).toBe((await ctx.store.measurementFacts({})).length);
    expect(await ctx.store.targetStats({ ...q, region: "KZ-47", bucketSeconds: 60 })).toEqual([]);
    for (const bucketSeconds of [0, 2.5, -10]) await expect(ctx.store.targetStats({ ...q, bucketSeconds })).rejects.toThrow(RangeError);
  });

  it("answers alike from hour rollups, minute rollups and raw rows, across batches and redeliveries", async () => {
    const all = rounds(5, BASE + 20 * 60_000); // starts mid-hour so partial hours are covered
    for (let i = 0; i < all.length; i += 97) await ctx.store.insertMeasurements(all.slice(i, i + 97));
    expect(await ctx.store.insertMeasurements(all.slice(50, 300))).toEqual({ inserted: 0, duplicates: 250 });
    const q = { since: new Date(BASE), until: new Date(BASE + 6 * HOUR) };
    const minutes = await ctx.store.targetStats({ ...q, bucketSeconds: 60 });
    const raw30 = await ctx.store.targetStats({ ...q, bucketSeconds: 30 });
    for (const seconds of [3600, 7200]) {
      const hours = await ctx.store.targetStats({ ...q, bucketSeconds: seconds });
      expectRowsClose(hours, rebucket(minutes, seconds, targetKey));
      expectRowsClose(hours, rebucket(raw30, seconds, targetKey));
    }
    const hours = await ctx.store.targetStats({ ...q, bucketSeconds: 3600 });
    expect(new Set(hours.map((r) => r.bucketStart)).size).toBe(6);
    expect(hours.reduce((n, r) => n + r.total, 0)).toBe(all.length);
    const sum = (f: (r: TargetStatsRow) => number) => hours.reduce((n, r) => n + f(r), 0);
    for (const k of ["dns", "tcp", "tls", "http-failure", "http-diff"]) expect(sum((r) => r.blocked[k] ?? 0)).toBeGreaterThan(0);
    expect(sum((r) => r.dnsFailures)).toBeGreaterThan(0);
    expect(sum((r) => r.tlsHandshakeCount)).toBeLessThan(all.length);
    expect(new Set(hours.map((r) => r.role))).toEqual(new Set(["region", "control"]));
  });

  it("serves one region's range alone, and every region's as the union of each", async () => {
    await ctx.store.insertMeasurements(rounds(3));
    const q = { since: new Date(BASE), until: new Date(BASE + 3 * HOUR) };
    for (const bucketSeconds of [60, 600, 3600]) {
      const every = await ctx.store.targetStats({ ...q, bucketSeconds });
      const kz47 = await ctx.store.targetStats({ ...q, region: "KZ-47", bucketSeconds });
      const kz75 = await ctx.store.targetStats({ ...q, region: "KZ-75", bucketSeconds });
      expect(kz47.every((r) => r.region === "KZ-47")).toBe(true);
      expect(kz47.length).toBeGreaterThan(0);
      expect(every).toEqual([...kz47, ...kz75].sort((a, b) =>
        a.bucketStart < b.bucketStart ? -1 : a.bucketStart > b.bucketStart ? 1 : a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
    }
  });

  it("networkStats is targetStats summed over probes and targets, for hour, minute and sub-minute widths", async () => {
    const all = rounds(3, BASE + 10 * 60_000);
    for (let i = 0; i < all.length; i += 50) await ctx.store.insertMeasurements(all.slice(i, i + 50));
    await ctx.store.insertMeasurements(all.slice(0, 100));
    const q = { since: new Date(BASE), until: new Date(BASE + 4 * HOUR) };
    for (const bucketSeconds of [3600, 900, 60, 30]) {
      for (const region of [undefined, "KZ-47"]) {
        const nets = await ctx.store.networkStats({ ...q, region, bucketSeconds });
        expect(nets.length).toBeGreaterThan(0);
        expectRowsClose(nets, networkStatsOf(await ctx.store.targetStats({ ...q, region, bucketSeconds })));
      }
    }
  });

  it("puts edge times in the right bucket and keeps buckets whose start is in [since, until)", async () => {
    const mk = (s: string) => fixtureMeasurement({ startedAt: s });
    await ctx.store.insertMeasurements([
      mk("2025-01-05T10:00:01Z"), mk("2025-01-05T10:00:09.999Z"), mk("2025-01-05T10:00:10Z"),
      mk("2025-01-05T10:00:19Z"), mk("2025-01-05T10:00:20Z"),
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:12Z", accessible: false, blocking: null, failure: "tcp_timeout" }),
    ]);
    const rows = await ctx.store.targetStats({ since: new Date("2025-01-05T10:00:00Z"), until: new Date("2025-01-05T10:00:30Z"), bucketSeconds: 10 });
    expect(rows.map((r) => [r.bucketStart, r.total, r.ok, r.down, r.lastAt])).toEqual([
      ["2025-01-05T10:00:00.000Z", 2, 2, 0, "2025-01-05T10:00:09.999Z"],
      ["2025-01-05T10:00:10.000Z", 3, 2, 1, "2025-01-05T10:00:19.000Z"],
      ["2025-01-05T10:00:20.000Z", 1, 1, 0, "2025-01-05T10:00:20.000Z"],
    ]);
    const partial = await ctx.store.targetStats({ since: new Date("2025-01-05T10:00:05Z"), until: new Date("2025-01-05T10:00:11Z"), bucketSeconds: 10 });
    expect(partial.map((r) => [r.bucketStart, r.total])).toEqual([["2025-01-05T10:00:10.000Z", 3]]);
  });

  it("pruneTargetMinuteRollups drops whole old per-target minutes only; a minute read past the horizon answers from what is left", async () => {
    await ctx.store.insertMeasurements(rounds(3));
    const horizon = BASE + 90 * 60_000;
    const cutoff = new Date(horizon + 30_000); // mid-minute: the minute holding it is not wholly older, so it stays
    const q = { since: new Date(BASE), until: new Date(BASE + 4 * HOUR) };
    const minute = await ctx.store.targetStats({ ...q, bucketSeconds: 60 });
    const hour = await ctx.store.targetStats({ ...q, bucketSeconds: 3600 });
    const netMinute = await ctx.store.networkStats({ ...q, bucketSeconds: 60 });
    const netHour = await ctx.store.networkStats({ ...q, bucketSeconds: 3600 });
    const kept = minute.filter((r) => Date.parse(r.bucketStart) >= horizon);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(minute.length);

    expect(await ctx.store.pruneTargetMinuteRollups(cutoff)).toBe(minute.length - kept.length);
    // Contract: the store answers a minute-grain read from what it still has — no bucket before the horizon,
    // none filled in from hour rows, every bucket after it whole.
    expectRowsClose(await ctx.store.targetStats({ ...q, bucketSeconds: 60 }), kept);
    expectRowsClose(await ctx.store.targetStats({ ...q, region: "KZ-47", bucketSeconds: 60 }), kept.filter((r) => r.region === "KZ-47"));
    // Per-target hour rows and every network rollup are untouched.
    expectRowsClose(await ctx.store.targetStats({ ...q, bucketSeconds: 3600 }), hour);
    expectRowsClose(await ctx.store.networkStats({ ...q, bucketSeconds: 60 }), netMinute);
    expectRowsClose(await ctx.store.networkStats({ ...q, bucketSeconds: 3600 }), netHour);
    expect(await ctx.store.pruneTargetMinuteRollups(cutoff)).toBe(0);
    // The later, longer prune finds no per-target minute rows left there but still takes the rest.
    expect(await ctx.store.pruneRollups(cutoff)).toBe(0);
    expect((await ctx.store.networkStats({ ...q, bucketSeconds: 60 }))[0]!.bucketStart).toBe(new Date(horizon).toISOString());
  });

  it("pruneRollups drops whole old minutes and hours from every rollup table", async () => {
    await ctx.store.insertMeasurements(rounds(3));
    const cutoff = new Date(BASE + 90 * 60_000); // half way into the second hour
    const q = { since: new Date(BASE), until: new Date(BASE + 4 * HOUR) };
    const before = await ctx.store.targetStats({ ...q, bucketSeconds: 60 });
    const deleted = await ctx.store.pruneRollups(cutoff);
    const after = await ctx.store.targetStats({ ...q, bucketSeconds: 60 });
    expect(deleted).toBe(before.length - after.length);
    expect(after[0]!.bucketStart).toBe(cutoff.toISOString());
    expect((await ctx.store.networkStats({ ...q, bucketSeconds: 60 }))[0]!.bucketStart).toBe(cutoff.toISOString());
    // The hour that contains the cutoff is not wholly older, so it stays.
    expect((await ctx.store.targetStats({ ...q, bucketSeconds: 3600 }))[0]!.bucketStart).toBe(new Date(BASE + HOUR).toISOString());
    expect((await ctx.store.networkStats({ ...q, bucketSeconds: 3600 }))[0]!.bucketStart).toBe(new Date(BASE + HOUR).toISOString());
    expect(await ctx.store.pruneRollups(cutoff)).toBe(0);
  });
}
