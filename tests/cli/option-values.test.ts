// The option value checks on their own: what they let through unchanged and what they refuse.
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { asnValue, portValue, secondsValue } from "../../src/cli/option-values.js";

describe("option values", () => {
  it("passes good values through as they were typed", () => {
    for (const p of ["0", "80", "8080", "65535"]) expect(portValue(p)).toBe(p);
    for (const s of ["10", "0.5", "3e1"]) expect(secondsValue(s)).toBe(s);
    for (const a of ["1", "29355", "4294967295"]) expect(asnValue(a)).toBe(a);
  });

  it("refuses what a careless operator types", () => {
    for (const p of ["", "-1", "65536", "80a", "0x50", " 80", "8080.0", "999999"]) {
      expect(() => portValue(p), p).toThrow(InvalidArgumentError);
    }
    for (const s of ["", " ", "0", "-3", "soon", "Infinity", "NaN", "1e999"]) {
      expect(() => secondsValue(s), s).toThrow(InvalidArgumentError);
    }
    for (const a of ["0", "AS29355", "-5", "4294967296", "29355.0", "012", "99999999999"]) {
      expect(() => asnValue(a), a).toThrow(InvalidArgumentError);
    }
  });
});
