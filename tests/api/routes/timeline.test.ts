import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WITHDRAWN } from "../../../src/incident.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, NOW, testIncident, type Harness } from "../harness.js";

interface Point {
  t: string;
  whitelisted: number | null;
  non_whitelisted: number | null;
  throughputBps: number | null;
  tlsHandshakeS: number | null;
  dnsFailures: number;
  samples: number;
}
interface TimelineBody {
  region: string;
  bucketSeconds: number;
  series: { network: string; points: Point[] }[];
  incidents: { id: string }[];
}

describe("GET /api/v1/regions/:id/timeline", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    await h.store.insertMeasurements([
      // 11:10–11:11: two checks, one throughput sample, handshakes 0.04 and 0.06.
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", startedAt: "2026-03-10T11:10:05.000Z", bytesPerSecond: 2_000_000, handshakeTime: 0.04 }),
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", list: "non_whitelisted", accessible: false, blocking: "tls", startedAt: "2026-03-10T11:10:40.000Z", handshakeTime: 0.06 }),
      fixtureMeasurement({ region: "KZ-47", network: "kt-fixed", startedAt: "2026-03-10T09:00:00.000Z" }),
      fixtureMeasurement({ region: "KZ-75", network: "kt-fixed", startedAt: "2026-03-10T11:10:00.000Z" }),
    ]);
    await h.store.saveIncident(testIncident());
    await h.store.saveIncident(testIncident({ id: "inc-long-ago", status: "closed", startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-02T00:00:00.000Z" }));
  });
  afterEach(async () => h.close());

  it("minute buckets, gap-filled per configured network, with overlapping incidents", async () => {
    const res = await h.request("/api/v1/regions/KZ-47/timeline?since=2026-03-10T11:00:00Z&until=2026-03-10T12:00:00Z");
    expect(res.status).toBe(200);
    const body = (await res.json()) as TimelineBody;
    expect(body.bucketSeconds).toBe(60);
    expect(body.series.map((s) => s.network)).toEqual(["kcell-mobile", "kt-fixed"]);
    const mobile = body.series[0]!.points;
    expect(mobile).toHaveLength(60);
    const at1110 = mobile.find((p) => p.t === "2026-03-10T11:10:00.000Z");
    expect(at1110).toMatchObject({ whitelisted: 1, non_whitelisted: 0, throughputBps: 2_000_000, samples: 2, dnsFailures: 0 });
    expect(at1110?.tlsHandshakeS).toBeCloseTo(0.05, 9);
    expect(mobile.find((p) => p.t === "2026-03-10T11:11:00.000Z")).toMatchObject({ whitelisted: null, samples: 0 });
    expect(body.series[1]!.points.every((p) => p.samples === 0)).toBe(true); // its only row is at 09:00
    expect(body.incidents.map((i) => i.id)).toEqual(["inc-1"]);
  });

  it("draws no band for a withdrawn incident: later data no longer shows it", async () => {
    const at = "2026-03-10T11:40:00.000Z";
    await h.store.saveIncident(testIncident({ id: "inc-withdrawn", kind: "dark", network: null, status: "closed",
      startedAt: "2026-03-10T11:05:00.000Z", endedAt: "2026-03-10T11:30:00.000Z", revisedAt: at,
      revisions: [{ at, field: "status", from: "open", to: "closed", reason: `${WITHDRAWN}: late measurements` }] }));
    const body = (await (await h.request("/api/v1/regions/KZ-47/timeline?since=2026-03-10T11:00:00Z&until=2026-03-10T12:00:00Z")).json()) as TimelineBody;
    expect(body.incidents.map((i) => i.id)).toEqual(["inc-1"]);
    expect((await h.request("/api/v1/incidents/inc-withdrawn")).status).toBe(200); // still readable at its permalink
  });

  it("answers JSON with a weak ETag of its body, and 304 to a reader who has it", async () => {
    const path = "/api/v1/regions/KZ-47/timeline?since=2026-03-10T11:00:00Z&until=2026-03-10T12:00:00Z";
    const first = await h.request(path);
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);
    const tag = first.headers.get("etag");
    expect(tag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(((await first.json()) as TimelineBody).region).toBe("KZ-47");
    const again = await h.request(path, { headers: { "If-None-Match": tag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const other = await h.request(path, { headers: { "If-None-Match": 'W/"something-else"' } });
    expect(other.status).toBe(200);
    expect(other.headers.get("etag")).toBe(tag);
  });

  it("defaults to the last 24 h in hour buckets, and refuses over-long ranges and unknown regions", async () => {
    const body = (await (await h.request("/api/v1/regions/KZ-47/timeline")).json()) as TimelineBody;
    expect(body.bucketSeconds).toBe(3600);
    const fixed = body.series.find((s) => s.network === "kt-fixed")!;
    expect(fixed.points).toHaveLength(24);
    expect(fixed.points.at(-1)?.t).toBe(new Date(NOW.getTime() - 3600_000).toISOString());
    expect(fixed.points.find((p) => p.t === "2026-03-10T09:00:00.000Z")?.samples).toBe(1);

    const tooLong = await h.request(`/api/v1/regions/KZ-47/timeline?bucket=minute&since=${ago(60 * 24 * 3)}`);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { code: string } }).error.code).toBe("range_too_large");
    const bad = await h.request("/api/v1/regions/KZ-47/timeline?since=yesterday");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error.message).toMatch(/since/);
    const missing = await h.request("/api/v1/regions/KZ-99/timeline");
    expect(missing.status).toBe(404);
  });
});

describe("timeline response cache", () => {
  it("serves the same range from one computation for timelineCacheMs, then recomputes", async () => {
    const h = await createHarness({ options: { timelineCacheMs: 60_000 } });
    try {
      const url = `/api/v1/regions/KZ-47/timeline?since=${ago(60)}&until=${ago(0)}&bucket=minute`;
      const first = await (await h.request(url)).json() as { series: { points: { samples: number }[] }[] };
      await h.store.insertMeasurements([fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", startedAt: ago(5) })]);
      const cached = await (await h.request(url)).json();
      expect(cached).toEqual(first);
    } finally {
      await h.close();
    }
    const fresh = await createHarness({ options: { timelineCacheMs: 0 } });
    try {
      const url = `/api/v1/regions/KZ-47/timeline?since=${ago(60)}&until=${ago(0)}&bucket=minute`;
      const before = await (await fresh.request(url)).json() as { series: { points: { samples: number }[] }[] };
      await fresh.store.insertMeasurements([fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", startedAt: ago(5) })]);
      const after = await (await fresh.request(url)).json() as { series: { points: { samples: number }[] }[] };
      const total = (b: typeof before) => b.series.flatMap((s) => s.points).reduce((n, p) => n + p.samples, 0);
      expect(total(after)).toBe(total(before) + 1);
    } finally {
      await fresh.close();
    }
  });
});
