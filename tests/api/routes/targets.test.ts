// Per-service evidence over HTTP: services named from whitelist/, success and failures per network and
// target, worst first, control vantages left out, CSV with names and an optional BOM.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { BUCKET_HEADER, targetBucketSeconds } from "../../../src/api/routes/targets.js";
import { NOW, ago, createHarness, testConfig, type Harness } from "../harness.js";

interface Body { targets: { network: string; url: string; name: string; category: string; total: number; ok: number; successRatio: number | null; mainFailure: string | null; blocked: Record<string, number> }[] }

describe("GET /api/v1/regions/{id}/targets", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    const ms = [];
    for (let i = 0; i < 3; i++) {
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", list: "non_whitelisted", url: "https://www.instagram.com/", accessible: false, blocking: "tls", startedAt: ago(10 + i) }));
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", list: "whitelisted", url: "https://egov.kz/", startedAt: ago(10 + i) }));
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kt-fixed", probeId: "probe-47b", list: "non_whitelisted", url: "https://www.instagram.com/", startedAt: ago(10 + i) }));
    }
    // A control's failures are not the region's.
    ms.push(fixtureMeasurement({ region: "KZ-47", network: "kt-fixed", probeId: "ctl", role: "control", list: "non_whitelisted", url: "https://www.instagram.com/", accessible: false, startedAt: ago(5) }));
    await h.store.insertMeasurements(ms);
  });
  afterEach(async () => h.close());

  it("names services, counts per network and target, and puts the worst first", async () => {
    const res = await h.request("/api/v1/regions/KZ-47/targets");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.targets).toHaveLength(3);
    const [worst] = body.targets;
    expect(worst).toMatchObject({ network: "kcell-mobile", name: "Instagram", total: 3, ok: 0, successRatio: 0, mainFailure: "tls" });
    expect(worst!.blocked).toEqual({ tls: 3 });
    const fixed = body.targets.find((t) => t.network === "kt-fixed")!;
    expect(fixed).toMatchObject({ total: 3, ok: 3, successRatio: 1, mainFailure: null });
    const only = (await (await h.request("/api/v1/regions/KZ-47/targets?network=kt-fixed")).json()) as Body;
    expect(only.targets.map((t) => t.network)).toEqual(["kt-fixed"]);
  });

  it("exports CSV with names, rounded ratios and an optional BOM; unknown regions are 404", async () => {
    const csv = await (await h.request("/api/v1/regions/KZ-47/targets.csv")).text();
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toMatch(/^region,network,network_name,url,service,category,list,checks,ok,success_ratio,main_failure,down,blocked_dns/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain("Instagram");
    expect(csv.charCodeAt(0)).not.toBe(0xfeff);
    const bom = await (await h.request("/api/v1/regions/KZ-47/targets.csv?bom=1")).arrayBuffer();
    expect([...new Uint8Array(bom).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((await h.request("/api/v1/regions/XX-1/targets")).status).toBe(404);
    expect((await h.request("/api/v1/regions/KZ-47/targets?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z")).status).toBe(400);
  });
});

describe("targets past the per-target minute horizon (retention.targetMinuteDays)", () => {
  const DAY = 86_400_000;
  const at = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow);
  const range = (since: Date, until: Date) => `since=${since.toISOString()}&until=${until.toISOString()}`;
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({}, testConfig({ retention: { targetMinuteDays: 30 } }));
    const m = (startedAt: Date, accessible: boolean) => fixtureMeasurement({
      region: "KZ-47", network: "kt-fixed", probeId: "probe-47b", list: "non_whitelisted", url: "https://www.instagram.com/",
      accessible, blocking: accessible ? null : "dns", startedAt: startedAt.toISOString(),
    });
    await h.store.insertMeasurements([
      m(at(30 * DAY + 6 * 3600_000), false), // before the horizon: its minute row is pruned below
      m(at(29 * DAY + 18 * 3600_000), true), // after it
      m(at(60_000), true),
    ]);
    // What the retention task does at NOW.
    expect(await h.store.pruneTargetMinuteRollups(at(30 * DAY))).toBe(1);
  });
  afterEach(async () => h.close());

  it("a day straddling the horizon is counted whole from hour rollups, and says so (JSON, CSV header)", async () => {
    const q = range(at(30 * DAY + 12 * 3600_000), at(29 * DAY + 12 * 3600_000));
    const res = await h.request(`/api/v1/regions/KZ-47/targets?${q}`);
    expect(res.headers.get(BUCKET_HEADER)).toBe("3600");
    const body = (await res.json()) as Body & { bucketSeconds: number };
    expect(body.bucketSeconds).toBe(3600);
    // Both measurements, the pruned minute's included: not a half-empty answer.
    expect(body.targets).toEqual([expect.objectContaining({ total: 2, ok: 1, blocked: { dns: 1 } })]);
    const csv = await h.request(`/api/v1/regions/KZ-47/targets.csv?${q}`);
    expect(csv.headers.get(BUCKET_HEADER)).toBe("3600");
    const [header, row] = (await csv.text()).trim().split("\r\n");
    expect(row).toContain(",2,1,");
    expect(row!.split(",")[header!.split(",").indexOf("bucket_seconds")]).toBe("3600"); // a saved file says so too
  });

  it("a short range inside the horizon keeps minute buckets", async () => {
    const res = await h.request(`/api/v1/regions/KZ-47/targets?${range(at(30 * DAY), at(29 * DAY))}`);
    const body = (await res.json()) as Body & { bucketSeconds: number };
    expect(body.bucketSeconds).toBe(60);
    expect(body.targets).toEqual([expect.objectContaining({ total: 1, ok: 1 })]);
    // The default range (the last 24 h) too.
    expect(((await (await h.request("/api/v1/regions/KZ-47/targets")).json()) as { bucketSeconds: number }).bucketSeconds).toBe(60);
  });

  it("the choice follows the configured horizon and the two-day rule", () => {
    const r = (sinceDaysAgo: number, lengthDays: number) => ({ since: at(sinceDaysAgo * DAY), until: at((sinceDaysAgo - lengthDays) * DAY) });
    expect(targetBucketSeconds(r(7, 1), NOW, 7)).toBe(60);
    expect(targetBucketSeconds(r(7.001, 1), NOW, 7)).toBe(3600);
    expect(targetBucketSeconds(r(3, 2), NOW, 30)).toBe(60);
    expect(targetBucketSeconds(r(3, 2.001), NOW, 30)).toBe(3600);
    expect(targetBucketSeconds(r(400, 1), NOW, 730)).toBe(60);
  });
});
