import { describe, expect, it } from "vitest";
import { COLON_HEX, packHexInPlace, unpackHex } from "../../src/store/measurement-hex.js";
import { deployment, realisticMeasurement, seededRandom } from "../../bench/realistic-measurements.js";

/** The definition: the string replace the encoder ran before it packed bytes in place. */
function packHexString(text: string): string {
  return text.replace(COLON_HEX, (_, h: string) => `"\u0002${h.replaceAll(":", "").toLowerCase()}"`);
}

/** packHexInPlace on the UTF-8 of text in a buffer with stale bytes after it (as the encoder's reused one has). */
function packBytes(text: string): Buffer {
  const buf = Buffer.alloc(text.length * 3 + 64, ":");
  const n = buf.write(text, 0, "utf8");
  return Buffer.from(buf.subarray(0, packHexInPlace(buf, n)));
}

// Pieces that make and break matches: quotes, colons, upper and lower hex pairs and single digits, a near-hex
// letter, multi-byte text.
const PIECES = ['"', '"', ":", ":", "AB", "F0", ":AB", ":0F", '"AB', '"9E:', ':C4"', '0F"', "A", "7", "ab", "G", "Д", "🚫", "\\"];

describe("hex packing of the stored encoding", () => {
  it("packs the UTF-8 bytes exactly as the string pattern packs the text (random texts around the pattern)", () => {
    const rand = seededRandom(99);
    let packedSome = 0;
    for (let i = 0; i < 20_000; i++) {
      const len = 1 + Math.floor(rand() * 16);
      let text = "";
      for (let k = 0; k < len; k++) text += PIECES[Math.floor(rand() * PIECES.length)];
      const expected = packHexString(text);
      expect(packBytes(text).toString("utf8")).toBe(expected);
      if (expected !== text) packedSome += 1;
    }
    expect(packedSome).toBeGreaterThan(1000); // the random texts do hit the pattern
  });

  it("packs the edge cases: adjacent values, a quote shared by two candidates, unterminated runs, text ends", () => {
    const cases = [
      `"AB:CD"`, `"AB:CD""EF:01"`, `"AB:CD"EF:01"`, `"AB:"CD:EF"`, `"A"AB:CD"`, `"AB:CD:E"`, `"AB:CD:EF`, `AB:CD"`,
      `"AB:cd"`, `"ab:CD"`, `"AB::CD"`, `"ABC:DE"`, `x"AB:CD"y"12:34:56"z`, `{"fingerprint256":"${"4C:".repeat(31)}BB"}`,
      `"Д":"AB:CD","🚫":"00:FF"`, `"00:00:00"`, `""`, `":`, `"`, ``,
    ];
    for (const text of cases) expect(packBytes(text).toString("utf8"), text).toBe(packHexString(text));
  });

  it("packs production-shaped measurements as the string pattern does, and unpacks them back", () => {
    const rand = seededRandom(5);
    const d = deployment(3, 20, seededRandom(6));
    for (let i = 0; i < 200; i++) {
      const json = JSON.stringify(realisticMeasurement(d, i % d.probes.length, i % 20, Date.parse("2026-11-01T00:00:00Z") + i * 1000, crypto.randomUUID(), rand));
      const packed = packBytes(json).toString("utf8");
      expect(packed).toBe(packHexString(json));
      expect(unpackHex(packed)).toBe(json);
    }
  });
});
