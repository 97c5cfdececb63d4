import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KZ_REGIONS, canonicalRegionId, findRegion } from "../../src/config/regions.js";
import { regionConfigSchema } from "../../src/config/schema.js";

const ISO_CODES = "/usr/share/iso-codes/json/iso_3166-2.json";

describe("Kazakhstan region table", () => {
  it("has 17 regions and 3 cities with unique numeric ids and letter codes", () => {
    expect(KZ_REGIONS).toHaveLength(20);
    expect(KZ_REGIONS.filter((r) => r.kind === "city").map((r) => r.id)).toEqual(["KZ-71", "KZ-75", "KZ-79"]);
    const ids = KZ_REGIONS.map((r) => r.id);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^KZ-\d{2}$/);
    const letters = KZ_REGIONS.flatMap((r) => (r.letterCode === null ? [] : [r.letterCode]));
    expect(letters).toHaveLength(17);
    expect(new Set(letters).size).toBe(17);
    // Abai, Jetisu and Ulytau were created on 8 June 2022 and never had letter codes.
    expect(KZ_REGIONS.filter((r) => r.letterCode === null).map((r) => r.id)).toEqual(["KZ-10", "KZ-33", "KZ-62"]);
  });

  it("every entry passes the config schema with names in kk, ru and en", () => {
    for (const region of KZ_REGIONS) {
      expect(regionConfigSchema.safeParse({ id: region.id, names: region.names }).success).toBe(true);
      expect(regionConfigSchema.safeParse({ id: region.letterCode ?? region.id, names: region.names }).success).toBe(true);
    }
  });

  it("maps letter codes to the canonical numeric id, case-insensitively", () => {
    expect(canonicalRegionId("KZ-ALA")).toBe("KZ-75");
    expect(canonicalRegionId("kz-man")).toBe("KZ-47");
    expect(canonicalRegionId("KZ-YUZ")).toBe("KZ-61");
    expect(canonicalRegionId("KZ-AST")).toBe("KZ-71");
    expect(canonicalRegionId("KZ-75")).toBe("KZ-75");
    expect(findRegion("KZ-ALM")?.names.en).toBe("Almaty Region");
  });

  it("passes unknown ids through unchanged", () => {
    expect(canonicalRegionId("RU-BEL")).toBe("RU-BEL");
    expect(canonicalRegionId("CONTROL")).toBe("CONTROL");
    expect(findRegion("KZ-99")).toBeUndefined();
  });

  // The system's iso-codes database still lists only the old letter codes: each must resolve here.
  it.runIf(existsSync(ISO_CODES))("resolves every KZ code in the system's iso-codes database", () => {
    const data = JSON.parse(readFileSync(ISO_CODES, "utf8")) as { "3166-2": { code: string }[] };
    const codes = data["3166-2"].map((e) => e.code).filter((c) => c.startsWith("KZ-"));
    expect(codes.length).toBeGreaterThanOrEqual(17);
    for (const code of codes) expect(findRegion(code), code).toBeDefined();
  });
});
