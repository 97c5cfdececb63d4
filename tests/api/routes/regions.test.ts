import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, testIncident, type Harness } from "../harness.js";

interface RegionsBody {
  generatedAt: string;
  regions: {
    id: string;
    state: string;
    ratios: { whitelisted: number | null; non_whitelisted: number | null };
    networks: { id: string; name: string; kind: string; state: string; ratios: { whitelisted: number | null; non_whitelisted: number | null } }[];
    lastMeasurementAt: string | null;
    openIncidents: string[];
  }[];
}

describe("GET /api/v1/regions", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.close());

  async function seed(): Promise<void> {
    const ms = [];
    // KZ-47 mobile: whitelisted works, non-whitelisted fails (3 of 4); fixed network all fine.
    for (let i = 0; i < 4; i++) {
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", list: "whitelisted", url: `https://gov${i}.kz/`, startedAt: ago(5) }));
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", list: "non_whitelisted", url: `https://site${i}.com/`, accessible: i === 0, blocking: i === 0 ? null : "tcp", startedAt: ago(5) }));
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kt-fixed", probeId: "probe-47b", list: "non_whitelisted", url: `https://site${i}.com/`, startedAt: ago(3) }));
    }
    // KZ-75: data only from two hours ago (outside the recent window) -> unknown, but lastMeasurementAt known.
    ms.push(fixtureMeasurement({ region: "KZ-75", network: "kt-fixed", probeId: "probe-75", startedAt: ago(120) }));
    // A control vantage's rows must not count toward a region.
    ms.push(fixtureMeasurement({ region: "KZ-47", network: "kt-fixed", probeId: "ctl", role: "control", list: "non_whitelisted", accessible: false, startedAt: ago(2) }));
    await h.store.insertMeasurements(ms);
    await h.store.saveIncident(testIncident());
    await h.store.saveIncident(testIncident({ id: "inc-old", status: "closed", endedAt: ago(200), kind: "full_shutdown" }));
  }

  it("derives states from open incidents and ratios from the recent window", async () => {
    await seed();
    const res = await h.request("/api/v1/regions");
    expect(res.status).toBe(200);
    const body = (await res.json()) as RegionsBody;
    expect(body.regions.map((r) => r.id)).toEqual(["KZ-47", "KZ-75", "KZ-11"]);
    const [kz47, kz75, kz11] = body.regions;
    expect(kz47?.state).toBe("whitelist_only");
    expect(kz47?.openIncidents).toEqual(["inc-1"]);
    const mobile = kz47?.networks.find((n) => n.id === "kcell-mobile");
    expect(mobile).toMatchObject({ name: "Kcell", kind: "mobile", state: "whitelist_only" });
    expect(mobile?.ratios).toEqual({ whitelisted: 1, non_whitelisted: 0.25 });
    const fixed = kz47?.networks.find((n) => n.id === "kt-fixed");
    expect(fixed).toMatchObject({ state: "normal", ratios: { whitelisted: null, non_whitelisted: 1 } });
    // Region ratio over both networks, control excluded: 5 of 8 non-whitelisted ok.
    expect(kz47?.ratios).toEqual({ whitelisted: 1, non_whitelisted: 5 / 8 });
    expect(kz75).toMatchObject({ state: "unknown", ratios: { whitelisted: null, non_whitelisted: null } });
    expect(kz75?.lastMeasurementAt).toBe(ago(120));
    expect(kz11).toMatchObject({ state: "unknown", lastMeasurementAt: null, networks: [] });
  });

  it("a region-wide incident (network null) sets every network's state", async () => {
    await seed();
    expect(((await (await h.request("/api/v1/regions")).json()) as RegionsBody).regions[0]?.state).toBe("whitelist_only");
    await h.store.saveIncident(testIncident({ id: "inc-dark", network: null, kind: "dark" }));
    const body = (await (await h.request("/api/v1/regions")).json()) as RegionsBody;
    const kz47 = body.regions[0];
    expect(kz47?.state).toBe("dark");
    expect(kz47?.networks.map((n) => n.state)).toEqual(["dark", "dark"]);
    expect(kz47?.openIncidents.sort()).toEqual(["inc-1", "inc-dark"]);
  });

  it("sends ETag, answers 304 to If-None-Match, and sets Cache-Control and CORS", async () => {
    await seed();
    const first = await h.request("/api/v1/regions", { headers: { Origin: "https://news.example" } });
    const tag = first.headers.get("etag");
    expect(tag).toMatch(/^W\/".+"$/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=15");
    expect(first.headers.get("access-control-allow-origin")).toBe("*");
    const again = await h.request("/api/v1/regions", { headers: { "If-None-Match": tag ?? "" } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const other = await h.request("/api/v1/regions", { headers: { "If-None-Match": 'W/"different"' } });
    expect(other.status).toBe(200);
  });

  it("answers a CORS preflight for uploads", async () => {
    const res = await h.request("/api/v1/measurements", {
      method: "OPTIONS",
      headers: { Origin: "https://x.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("unknown API paths get a JSON 404", async () => {
    const res = await h.request("/api/v1/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "no route for GET /api/v1/nope" } });
  });
});

describe("compression", () => {
  it("gzips JSON for clients that accept it, and the body is the same", async () => {
    const h = await createHarness();
    try {
      for (let i = 0; i < 20; i++) await h.store.insertMeasurements([fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", startedAt: ago(1) })]);
      const plain = await h.request("/api/v1/regions");
      const zipped = await h.request("/api/v1/regions", { headers: { "Accept-Encoding": "gzip" } });
      expect(zipped.headers.get("content-encoding")).toBe("gzip");
      expect(plain.headers.get("content-encoding")).toBeNull();
      const { gunzipSync } = await import("node:zlib");
      const unzipped = JSON.parse(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString("utf8")) as unknown;
      expect(unzipped).toEqual(await plain.json());
    } finally {
      await h.close();
    }
  });
});
