import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalEvidence, evidenceSha256 } from "../../src/api/evidence.js";

describe("evidence hash", () => {
  it("is the sha256 of compact JSON with sorted count keys and sorted ids", () => {
    const ev = { measurementIds: ["b", "a", "c"], counts: { z: 2, a: 1 } };
    const canonical = '{"counts":{"a":1,"z":2},"measurementIds":["a","b","c"]}';
    expect(canonicalEvidence(ev)).toBe(canonical);
    expect(evidenceSha256(ev)).toBe(createHash("sha256").update(canonical).digest("hex"));
  });

  it("does not depend on input order but does on content", () => {
    const a = evidenceSha256({ measurementIds: ["x", "y"], counts: { p: 1, q: 2 } });
    expect(evidenceSha256({ measurementIds: ["y", "x"], counts: { q: 2, p: 1 } })).toBe(a);
    expect(evidenceSha256({ measurementIds: ["y", "x", "z"], counts: { q: 2, p: 1 } })).not.toBe(a);
    expect(evidenceSha256({ measurementIds: ["y", "x"], counts: { q: 3, p: 1 } })).not.toBe(a);
  });
});
