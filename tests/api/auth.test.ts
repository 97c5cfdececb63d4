import { describe, expect, it } from "vitest";
import { adminHashes, hashesEqual, newProbeToken, sha256Hex } from "../../src/api/auth.js";

describe("auth helpers", () => {
  it("compares only well-formed sha256 digests", () => {
    const h = sha256Hex("secret");
    expect(h).toBe("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
    expect(hashesEqual(h, sha256Hex("secret"))).toBe(true);
    expect(hashesEqual(h, sha256Hex("secreT"))).toBe(false);
    expect(hashesEqual(h, h.toUpperCase())).toBe(false);
    expect(hashesEqual("", "")).toBe(false);
  });

  it("issues distinct 256-bit tokens and collects both admin sources", () => {
    const a = newProbeToken();
    expect(a).toMatch(/^kwp_[A-Za-z0-9_-]{43}$/);
    expect(newProbeToken()).not.toBe(a);
    expect(adminHashes(undefined, undefined)).toEqual([]);
    expect(adminHashes(sha256Hex("x"), "y")).toEqual([sha256Hex("x"), sha256Hex("y")]);
  });
});
