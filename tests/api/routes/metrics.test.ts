import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, type Harness } from "../harness.js";

describe("GET /metrics", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.close());

  it("serves the Prometheus text format with store-derived gauges", async () => {
    const ms = [fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", startedAt: ago(2) })];
    await h.store.insertMeasurements(ms);
    h.metrics.recordMeasurements(ms);
    const res = await h.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('keepwatch_measurements_total{region="KZ-47",network="kcell-mobile",list="whitelisted",outcome="ok"} 1');
    expect(text).toContain('keepwatch_region_state{region="KZ-47",network="all",state="normal"} 1');
    expect(text).toContain('keepwatch_region_state{region="KZ-47",network="kcell-mobile",state="normal"} 1');
    expect(text).toContain('keepwatch_success_ratio{region="KZ-47",network="kcell-mobile",list="whitelisted"} 1');
  });
});
