// Per-service evidence over HTTP: services named from whitelist/, success and failures per network and
// target, worst first, control vantages left out, CSV with names and an optional BOM.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, type Harness } from "../harness.js";

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
