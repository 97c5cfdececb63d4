import { describe, expect, it } from "vitest";
import { ProbeRegistry, RegistryError } from "../../src/registry/probe-registry.js";
import { idProblem } from "../../src/ids.js";
import { testConfig } from "../api/harness.js";

describe("ProbeRegistry", () => {
  const config = testConfig({
    controls: [{ id: "CONTROL", name: "VPS" }],
    probes: [
      { id: "probe-47", region: "KZ-47", network: "kcell-mobile" },
      { id: "control-1", region: "CONTROL", network: "kt-fixed", role: "control" },
    ],
  });
  const registry = new ProbeRegistry(config);

  it("knows each configured probe's role, region and network (ASN and kind from the network)", () => {
    expect(registry.get("probe-47")).toEqual({ probeId: "probe-47", role: "region", region: "KZ-47", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" } });
    expect(registry.get("control-1")?.role).toBe("control");
    expect(registry.get("ghost")).toBeNull();
  });

  it("resolves a token to its configured probe, and refuses a token whose probe left or moved", () => {
    expect(registry.forToken({ probeId: "probe-47", region: "KZ-47" }).network.id).toBe("kcell-mobile");
    expect(() => registry.forToken({ probeId: "ghost", region: "KZ-47" })).toThrow(/no longer in the server's configuration/);
    expect(() => registry.forToken({ probeId: "probe-47", region: "KZ-75" })).toThrow(/now configured for KZ-47/);
  });

  it("issues tokens only for configured probes in their region (letter codes are the same region)", () => {
    expect(registry.tokenTarget("probe-47").region).toBe("KZ-47");
    expect(registry.tokenTarget("probe-47", "KZ-MAN").region).toBe("KZ-47");
    expect(() => registry.tokenTarget("probe-47", "KZ-75")).toThrow(RegistryError);
    expect(() => registry.tokenTarget("ghost", "KZ-47")).toThrow(/not in the server's configuration/);
  });

  it("refuses hostile ids with a message that does not echo them", () => {
    const hostile = ["' OR 1=1 --", "probe-47\r\nX-Injected: 1", "probe-47\n", "prоbe-47", "p".repeat(65), "", "../etc", "probe 47", "probe-47\u0000"];
    for (const id of hostile) {
      let message = "";
      try {
        registry.tokenTarget(id, "KZ-47");
      } catch (err) {
        expect(err).toBeInstanceOf(RegistryError);
        message = (err as Error).message;
      }
      expect(message, JSON.stringify(id)).toMatch(/^invalid probe id/);
      if (id) expect(message).not.toContain(id);
    }
    for (const region of ["KZ-47' --", "KZ-47\r\n", "kz-47", "Ｋ Z-47", "K".repeat(33)]) {
      expect(() => registry.tokenTarget("probe-47", region), JSON.stringify(region)).toThrow(/^invalid region id/);
    }
  });
});

describe("shared id schema", () => {
  it("accepts the ids the configuration uses and refuses the rest", () => {
    expect(idProblem("probe", "aktau-1")).toBeNull();
    expect(idProblem("probe", "p".repeat(64))).toBeNull();
    expect(idProblem("probe", "p".repeat(65))).toMatch(/probe id/);
    expect(idProblem("network", "kcell-mobile")).toBeNull();
    expect(idProblem("network", "Kcell")).toMatch(/network id/);
    expect(idProblem("network", "kcell-mobile\r\n")).toMatch(/network id/);
    expect(idProblem("region", "KZ-75")).toBeNull();
    expect(idProblem("region", "CONTROL")).toBeNull();
    expect(idProblem("region", "KZ-75' OR '1'='1")).toMatch(/region id/);
  });
});
