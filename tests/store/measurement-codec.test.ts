import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { measurementSchema, type Measurement } from "../../src/measurement.js";
import {
  CODEC_VERSION, DICTIONARY_V1, MeasurementDecodeError, codecContext, decodeMeasurement, decodeMeasurementJson,
  encodeMeasurement, encodeMeasurementJson, type CodecContext,
} from "../../src/store/measurement-codec.js";
import { previousEncodeMeasurementJson } from "../../bench/measurement-codec-previous.js";
import { DNS_FAILURES, FETCH_FAILURES, TCP_FAILURES, TLS_FAILURES, BLOCKING_KINDS } from "../../probes/types.js";
import { deployment, realisticMeasurement, seededRandom } from "../../bench/realistic-measurements.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

/** Strings a careless or hostile producer might send: unicode of every plane, escapes, JSON look-alikes. */
const AWKWARD = [
  "", "Доступ ограничен", "Қолжетімділік шектелген", "訪問受限 🚫🔒", "مقيد الوصول", "e\u0301\u0300 combining", "\u0000\u0001\u001f",
  "\"quoted\" \\ back\\slash / ", "\u2028\u2029", "\ud83d\ude00\ud83c\udff3\ufe0f\u200d\ud83c\udf08", "{\"json\":\"inside\"}",
  "AB:CD:EF", "ab:cd", "\"AB:CD\"", "\\u0002abcd", "x".repeat(300),
];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

function hex(rand: () => number, bytes: number, upper: boolean, sep = ""): string {
  const h = Array.from({ length: bytes }, () => Math.floor(rand() * 256).toString(16).padStart(2, "0")).join(sep);
  return upper ? h.toUpperCase() : h;
}

/** A varied measurement: every failure class, awkward strings, huge titles, optional parts present or not. */
function variedMeasurement(rand: () => number, i: number): Measurement {
  const m = realisticMeasurement(deployment(3, 5, seededRandom(i)), i % 7, i % 5, Date.parse("2026-11-01T00:00:00Z") + i * 997, crypto.randomUUID(), rand);
  const odd = pick(rand, AWKWARD);
  if (i % 5 === 0) m.check.dns[0]!.failure = pick(rand, DNS_FAILURES);
  if (i % 5 === 1 && m.check.tcp[0]) m.check.tcp[0].failure = pick(rand, TCP_FAILURES);
  if (i % 5 === 2 && m.check.tls[0]) m.check.tls[0].failure = pick(rand, TLS_FAILURES);
  if (i % 5 === 3 && m.check.http) m.check.http.failure = pick(rand, FETCH_FAILURES);
  m.verdict = { accessible: i % 2 === 0, blocking: i % 2 === 0 ? null : pick(rand, BLOCKING_KINDS), failure: pick(rand, [null, ...FETCH_FAILURES]), determined: rand() < 0.8 };
  if (m.check.http?.hops[0]) {
    const hop = m.check.http.hops[0];
    hop.title = i % 11 === 0 ? "Заголовок ".repeat(20_000) : odd; // ~200 KB on some
    hop.headers = { [odd.slice(0, 20) || "x-empty"]: odd, server: "nginx" };
    if (i % 4 === 0) delete hop.headerNames;
  }
  if (m.check.tls[0]?.certificate) {
    m.check.tls[0].certificate.fingerprint256 = pick(rand, [hex(rand, 32, true, ":"), hex(rand, 32, false, ":"), hex(rand, 20, true, ":"), "AB", odd]);
    m.check.tls[0].certificate.subject = `CN=${odd}`;
  }
  if (i % 3 === 0) delete m.receivedAt;
  if (i % 6 === 0) m.local = { gateway: pick(rand, ["ok", "unreachable", "none", "unknown"] as const), resolver: "ok" };
  if (i % 8 === 0) m.startedAt = "2026-11-01T00:00:00Z"; // valid ISO without milliseconds
  if (i % 9 === 0) m.receivedAt = "2026-11-01T00:00:01.123456Z";
  m.target.category = i % 10 === 0 ? odd.slice(0, 64) : m.target.category;
  m.network.asn = i % 13 === 0 ? null : i % 17 === 0 ? 0 : m.network.asn;
  m.check.time = pick(rand, [0, 1e-7, 123456.789, Number.MAX_SAFE_INTEGER, 5e-324, m.check.time]);
  return m;
}

/** Stored values written by the encoder of commit 4714625, before it packed bytes in place (the file says how). */
const PINNED = JSON.parse(readFileSync(new URL("../fixtures/measurement-codec-v1.json", import.meta.url), "utf8")) as {
  rows: { json: string; context: CodecContext; stored: string }[];
};

describe("measurement codec", () => {
  it("decodes the rows pinned from the previous encoder (fixture), and fails them against another row's facts", () => {
    expect(PINNED.rows.length).toBeGreaterThanOrEqual(10);
    for (const [i, row] of PINNED.rows.entries()) {
      const stored = Buffer.from(row.stored, "base64");
      expect(stored[0]).toBe(1);
      expect(decodeMeasurementJson(stored, row.context)).toBe(row.json);
      const other = PINNED.rows[(i + 1) % PINNED.rows.length]!.context;
      expect(() => decodeMeasurementJson(stored, other)).toThrow(MeasurementDecodeError);
    }
  });

  it("writes the same bytes as the previous encoder on the same zlib (the byte-level hex packing changes no output)", () => {
    const rand = seededRandom(77);
    const texts = PINNED.rows.map((r) => ({ json: r.json, context: r.context }));
    for (let i = 0; i < 150; i++) {
      const m = variedMeasurement(rand, i);
      texts.push({ json: JSON.stringify(m), context: codecContext(m) });
    }
    for (const t of texts) expect(encodeMeasurementJson(t.json, t.context).equals(previousEncodeMeasurementJson(t.json, t.context))).toBe(true);
  });

  it("writes the previous encoder's bytes for any text a store may hold: lone surrogates, raw control characters, the reused buffer's edge", () => {
    const context = PINNED.rows[0]!.context;
    // The reused buffer takes texts up to 64 KB / 3 UTF-16 units; around that edge, in 3-byte characters.
    const edge = Math.floor((64 * 1024) / 3);
    const texts = [
      '{"t":"\ud800"}', '{"t":"x\udfff","f":"AB:CD"}', '"\ud83d"AB:CD"', '"AB:CD"\udc00', '{"t":"\ud83d\udeab"}',
      '{"t":"\u0001\u0003\u001f"}', "", '"AB:CD"'.repeat(5000),
      "€".repeat(edge), "€".repeat(edge + 1), "\ud800".repeat(edge + 1), `${"€".repeat(edge - 8)}"AB:CD"`,
    ];
    // Encoded one after another (a large text, then a small one that reuses the buffer), then each again.
    const first = texts.map((t) => encodeMeasurementJson(t, context));
    for (const [i, t] of texts.entries()) {
      const previous = previousEncodeMeasurementJson(t, context);
      expect(first[i]!.equals(previous), JSON.stringify(t.slice(0, 20))).toBe(true);
      expect(encodeMeasurementJson(t, context).equals(previous)).toBe(true);
    }
  });

  it("returns exactly the JSON text it was given, over varied measurements (unicode, huge titles, every failure class)", () => {
    const rand = seededRandom(42);
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const m = variedMeasurement(rand, i);
      const json = JSON.stringify(m);
      const stored = encodeMeasurement(m);
      expect(stored[0]).toBe(CODEC_VERSION);
      // The context is what a store gives back from its columns: derived again here, not reused.
      const back = decodeMeasurementJson(stored, codecContext(JSON.parse(json) as Measurement));
      expect(back).toBe(json);
      expect(decodeMeasurement(stored, codecContext(m))).toEqual(m);
      checked += 1;
    }
    expect(checked).toBe(400);
  });

  it("keeps key order and number spelling of a text it did not write itself", () => {
    const m = fixtureMeasurement({ id: "0f0e0d0c-0b0a-4908-8706-050403020100" });
    // Keys in an unusual order (what another producer could have stored), escaped unicode, spacing.
    const json = `{"target":{"category":"gov","list":"whitelisted","url":"https://example.test/"},"version":1, "id":"${m.id}",` +
      `"title":"\\u0414\\u043e\\u0441\\u0442\\u0443\\u043f","t":1.50,"fp":"AB:CD:EF:01"}`;
    expect(decodeMeasurementJson(encodeMeasurementJson(json, codecContext(m)), codecContext(m))).toBe(json);
  });

  it("is far smaller than the JSON for what probes send", () => {
    const rand = seededRandom(3);
    const d = deployment(17, 60, seededRandom(4));
    let json = 0;
    let stored = 0;
    for (let i = 0; i < 300; i++) {
      const m = realisticMeasurement(d, i % d.probes.length, i % 60, Date.parse("2026-11-01T00:00:00Z") + i * 1000, crypto.randomUUID(), rand);
      measurementSchema.parse(m);
      json += JSON.stringify(m).length;
      stored += encodeMeasurement(m).length;
    }
    // Measured: about 2.45 KB of JSON to under 400 bytes.
    expect(stored / json).toBeLessThan(0.2);
  });

  it("reads plain JSON (rows stored before the codec), as text or bytes", () => {
    const m = fixtureMeasurement();
    const json = JSON.stringify(m);
    expect(decodeMeasurement(json, codecContext(m))).toEqual(m);
    expect(decodeMeasurement(Buffer.from(json), codecContext(m))).toEqual(m);
  });

  it("fails loudly, never with a wrong measurement: other facts, unknown version, damaged bytes", () => {
    const m = fixtureMeasurement();
    const stored = encodeMeasurement(m);
    let failures = 0;
    for (const other of [{ url: "https://other.test/" }, { url: "https://exampl3.test/" }, { id: crypto.randomUUID() },
      { startedMs: codecContext(m).startedMs + 1 }, { receivedAt: "2026-01-01T00:00:00.000Z" }, { region: "KZ-47" }]) {
      let out: unknown;
      try {
        out = decodeMeasurement(stored, { ...codecContext(m), ...other });
      } catch (err) {
        out = err;
      }
      // An error naming the measurement, or (when the JSON never referred to that part of the dictionary)
      // the very measurement stored: never another one.
      if (out instanceof Error) expect(out).toBeInstanceOf(MeasurementDecodeError);
      else expect(out).toEqual(m);
      failures += out instanceof Error ? 1 : 0;
    }
    // A URL of the same length, another id and another start time are copied from the dictionary: caught by the checksum.
    expect(failures).toBeGreaterThanOrEqual(4);
    expect(() => decodeMeasurement(Buffer.from([9, 1, 2, 3]), codecContext(m))).toThrow(/unknown stored encoding version 9/);
    const damaged = Buffer.from(stored);
    damaged.fill(0xff, 3, 12);
    expect(() => decodeMeasurement(damaged, codecContext(m))).toThrow(MeasurementDecodeError);
  });

  it("refuses a text with raw control characters (not JSON; would make the hex packing ambiguous)", () => {
    const m = fixtureMeasurement();
    expect(() => encodeMeasurementJson(`{"x":"\u0002ab"}`, codecContext(m))).toThrow(/not JSON text/);
  });

  it("keeps its version-1 dictionary byte for byte (changing it would make stored rows unreadable)", () => {
    expect(createHash("sha256").update(DICTIONARY_V1).digest("hex")).toBe(DICTIONARY_V1_SHA256);
  });

  it("reads rows written at any deflate level (rows stored before the level changed from 6 to 5), and level 5 costs no bytes on real data", () => {
    const rand = seededRandom(11);
    const d = deployment(4, 30, seededRandom(12));
    let atFive = 0;
    let atSix = 0;
    for (let i = 0; i < 300; i++) {
      const m = realisticMeasurement(d, i % d.probes.length, i % 30, Date.parse("2026-11-01T00:00:00Z") + i * 1000, crypto.randomUUID(), rand);
      const json = JSON.stringify(m);
      const context = codecContext(m);
      const current = encodeMeasurementJson(json, context);
      atFive += current.length;
      for (const level of [1, 6, 9]) {
        const older = encodeMeasurementJson(json, context, { level });
        expect(older[0]).toBe(CODEC_VERSION);
        expect(decodeMeasurementJson(older, context)).toBe(json);
        if (level === 6) atSix += older.length;
      }
    }
    expect(atFive / 300).toBeLessThanOrEqual((atSix / 300) * 1.01);
  });

  it("returns encodings larger than zlib's 2 KB output chunk whole (incompressible titles and headers up to 64 KB)", () => {
    const rand = seededRandom(11);
    let largest = 0;
    for (const size of [1500, 2100, 4096, 9000, 65_000]) {
      const m = variedMeasurement(rand, size);
      // Random base-64-ish text: deflate cannot shrink it, so the stored value spans several output chunks.
      const noise = Array.from({ length: size }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[Math.floor(rand() * 64)]).join("");
      const hop = m.check.http?.hops[0];
      if (hop) hop.title = noise; else m.target.category = noise.slice(0, 64);
      m.check.dns[0]!.query = noise.slice(0, 200);
      const json = JSON.stringify(m);
      const stored = encodeMeasurementJson(json, codecContext(m));
      largest = Math.max(largest, stored.length);
      expect(decodeMeasurementJson(stored, codecContext(JSON.parse(json) as Measurement))).toBe(json);
    }
    expect(largest).toBeGreaterThan(40_000); // many 2 KB chunks joined
  });

  it("keeps each row's dictionary its own when encodes and decodes of different rows interleave (short, long and non-ASCII contexts)", () => {
    const rand = seededRandom(7);
    const rows = Array.from({ length: 12 }, (_, i) => {
      const m = variedMeasurement(rand, i + 1);
      // Contexts around and past the encoder's reused dictionary room: 2 KB URLs, Cyrillic paths, emoji categories.
      if (i % 3 === 1) m.target.url = `https://example.kz/${"путь/".repeat(i * 30)}`;
      if (i % 3 === 2) m.target.url = `https://example.kz/${"a".repeat(2000)}`;
      if (i % 4 === 0) m.target.category = "訪問受限 🚫".repeat(6);
      const json = JSON.stringify(m);
      return { json, context: codecContext(m) };
    });
    const encoded = rows.map((r) => encodeMeasurementJson(r.json, r.context));
    // Decode in reverse and interleaved with fresh encodes of other rows: nothing left over from a previous call.
    for (let i = rows.length - 1; i >= 0; i--) {
      encodeMeasurementJson(rows[(i + 5) % rows.length]!.json, rows[(i + 5) % rows.length]!.context);
      expect(decodeMeasurementJson(encoded[i]!, rows[i]!.context)).toBe(rows[i]!.json);
      // The same bytes against another row's facts must not decode to anything.
      expect(() => decodeMeasurementJson(encoded[i]!, rows[(i + 1) % rows.length]!.context)).toThrow(MeasurementDecodeError);
    }
  });
});

const DICTIONARY_V1_SHA256 = "d1895e4a27dd0184d4372415364f85bf4154809b04adf45ac3ef79b01afbe751";
