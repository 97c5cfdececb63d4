// GET /probes lists configured probes that never reported (lastSeenAt null), next to the ones that did.
import { afterEach, describe, expect, it } from "vitest";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, type Harness } from "../harness.js";

describe("GET /api/v1/probes", () => {
  let h: Harness;
  afterEach(async () => h?.close());
  it("lists a configured probe that never reported as never seen, once", async () => {
    h = await createHarness();
    await h.store.insertMeasurements([fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", startedAt: ago(3) })]);
    const body = (await (await h.request("/api/v1/probes")).json()) as { probes: { id: string; lastSeenAt: string | null; measurements: number }[] };
    expect(body.probes.filter((p) => p.id === "probe-47")).toHaveLength(1);
    expect(body.probes.find((p) => p.id === "probe-47")!.lastSeenAt).not.toBeNull();
    expect(body.probes.find((p) => p.id === "probe-75")).toMatchObject({ lastSeenAt: null, measurements: 0 });
  });
});
