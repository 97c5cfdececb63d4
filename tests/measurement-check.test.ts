// parseMeasurement must give measurementSchema.safeParse's answer for every input: the same acceptance, the
// same errors, and (when accepted) the same JSON, whether it took the no-copy path or zod's. Tried here on a
// full production-shaped measurement and on every mutation an attacker or a broken producer could send at
// every path of it (wrong types, out-of-range numbers, unknown and __proto__ keys, reordered keys, missing
// keys, non-plain objects).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MEASUREMENT_IDENTITY_CHECK, compileIdentityCheck, inSchemaKeyOrder, parseMeasurement } from "../src/measurement-check.js";
import { measurementSchema, type Measurement } from "../src/measurement.js";
import { fixtureMeasurement } from "./fixtures/measurement.js";

/** Every optional part present: control summary, HTTP hop with headers, throughput, local, attribution. */
function fullMeasurement(): Measurement {
  const m = fixtureMeasurement({ bytesPerSecond: 1_500_000 });
  const url = m.target.url;
  return measurementSchema.parse({
    ...m,
    receivedAt: new Date(Date.parse(m.startedAt) + 5_000).toISOString(),
    check: {
      ...m.check,
      controlDns: { ...m.check.dns[0]!, resolver: "198.18.1.53:53", transport: "udp",
        answers: [{ name: "example.test", type: "A", data: "198.18.0.10", ttl: 300 }] },
      tls: [{ ...m.check.tls[0]!, certificate: { subject: "CN=example.test", issuer: "CN=Lab CA", validFrom: "Jan  1 2026",
        validTo: "Dec 31 2026", altNames: ["example.test"], fingerprint256: "AB:CD:EF" } }],
      http: { url, finalUrl: url, status: 200, failure: null, blockPage: null, time: 0.1,
        hops: [{ url, address: "198.18.0.10", status: 200, headers: { "content-type": "text/html", server: "nginx" },
          bodyLength: 100, bodySha256: null, bodyTruncated: false, title: "Главная", failure: null,
          phases: { dns: 0.01, connect: 0.02, tls: 0.03, firstByte: 0.04, download: 0.05, total: 0.1 }, headerNames: ["server"] }] },
      control: { helper: "https://helper.test/api/v1/control", dns: { addresses: ["198.18.0.10"], failure: null },
        tcp: { "198.18.0.10:443": "ok" }, tls: { "198.18.0.10:443": "ok" },
        http: { status: 200, failure: null, bodyLength: 100, title: "Главная", finalUrl: url },
        consistency: { dns: "consistent", statusCodeMatch: true, bodyLengthMatch: true, headersMatch: null, titleMatch: true }, time: 0.3 },
    },
    local: { gateway: "ok", resolver: "ok" },
    attribution: { status: "confirmed", asn: 9198, country: "KZ", confirmedAt: "2026-01-01T00:00:00.000Z", seal: "abc", verdict: "unknown" },
  });
}

/** As a results job hands it to the collector: JSON text parsed. */
const show = (v: unknown): string => (typeof v === "object" && v !== null ? (v.constructor?.name ?? "null-prototype") : String(v).slice(0, 40));
const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** [path, value] of every node (objects, arrays and leaves) below the root. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== "object" || v === null) return [];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...at, k], ...paths((v as Record<string | number, unknown>)[k], [...at, k])]);
}

function setAt(root: unknown, path: (string | number)[], change: (parent: Record<string | number, unknown>, key: string | number) => void): void {
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  change(node, path[path.length - 1]!);
}

class Box { constructor(readonly x = 1) {} }

const HOSTILE_VALUES: unknown[] = [
  undefined, null, "x", "", 0, -1, 1.5, -0, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, true, [], {}, [1], ["a"], { a: 1 },
  "a".repeat(3000), "not a url", "2026-13-45T00:00:00Z", "00000000-0000-0000-0000-000000000000", new Date(), new Box(),
  Object.create(null) as unknown, new Map(),
];

/** The answer parseMeasurement gives must be zod's: success, JSON of the data, or the issues. */
function expectSameAnswer(item: unknown, label: string): void {
  const fast = parseMeasurement(item);
  const zod = measurementSchema.safeParse(item);
  expect(fast.success, label).toBe(zod.success);
  if (fast.success && zod.success) expect(JSON.stringify(fast.data), label).toBe(JSON.stringify(zod.data));
  else expect(fast.error?.issues, label).toEqual(zod.error?.issues);
}

describe("parseMeasurement", () => {
  it("compiles for the Measurement schema (else every item falls back to zod and the saving is gone)", () => {
    expect(MEASUREMENT_IDENTITY_CHECK).toBe(true);
  });

  it("returns a measurement that already is zod's output as it is, without a copy", () => {
    for (const m of [viaJson(fullMeasurement()), viaJson(measurementSchema.parse(fixtureMeasurement()))]) {
      const r = parseMeasurement(m);
      expect(r.success).toBe(true);
      expect(r.data).toBe(m);
      expectSameAnswer(m, "canonical");
    }
  });

  it("gives zod's answer for every hostile value at every path of a full measurement", () => {
    const base = viaJson(fullMeasurement());
    let cases = 0;
    for (const path of paths(base)) {
      for (const value of HOSTILE_VALUES) {
        const item = viaJson(base);
        setAt(item, path, (parent, key) => { parent[key] = value; });
        expectSameAnswer(item, `${path.join(".")} = ${show(value)}`);
        cases++;
      }
      // Missing key (an optional one is fine, a required one is not), and an array element removed.
      const missing = viaJson(base);
      setAt(missing, path, (parent, key) => {
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
      });
      expectSameAnswer(missing, `${path.join(".")} removed`);
      cases++;
    }
    expect(cases).toBeGreaterThan(2000);
  });

  it("gives zod's stripped copy, not the item, when an object has an unknown key, a __proto__ key or reordered keys", () => {
    const base = viaJson(fullMeasurement());
    const objectPaths = [[], ...paths(base)].filter((p) => {
      let node: unknown = base;
      for (const k of p) node = (node as Record<string | number, unknown>)[k];
      return typeof node === "object" && node !== null && !Array.isArray(node);
    });
    for (const path of objectPaths) {
      const where = path.join(".") || "(root)";
      const node = (root: unknown) => path.reduce((n, k) => (n as Record<string | number, unknown>)[k], root) as Record<string, unknown>;
      // An unknown key: zod strips it (a record keeps it: any string key is known there).
      const extra = viaJson(base);
      node(extra)["injected"] = "x";
      expectSameAnswer(extra, `${where} + injected`);
      // A __proto__ key as JSON.parse makes it (an own property): zod never copies it into its output.
      // (A string value too: in a record of strings it would otherwise pass as an entry.)
      const text = JSON.stringify(node(base));
      for (const protoValue of ['{"polluted":true}', '"x"']) {
        const proto = viaJson(base);
        const withProto = JSON.parse(`{"__proto__":${protoValue},${text.slice(1)}`) as Record<string, unknown>;
        if (path.length === 0) {
          expectSameAnswer(withProto, "(root) + __proto__");
          expect(parseMeasurement(withProto).data).not.toBe(withProto);
        } else {
          setAt(proto, path, (parent, key) => { parent[key] = withProto; });
          expectSameAnswer(proto, `${where} + __proto__ ${protoValue}`);
          expect(parseMeasurement(proto).data).not.toBe(proto);
        }
      }
      // Keys reversed: same content, but zod's copy has the schema's order.
      const reversed = viaJson(base);
      const keys = Object.keys(node(base));
      if (keys.length > 1) {
        const flipped = Object.fromEntries(keys.reverse().map((k) => [k, node(base)[k]]));
        if (path.length === 0) {
          expectSameAnswer(flipped, "(root) reversed");
          continue;
        }
        setAt(reversed, path, (parent, key) => { parent[key] = flipped; });
        expectSameAnswer(reversed, `${where} reversed`);
      }
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("takes zod's path for an item that is not a plain JSON object", () => {
    for (const item of [null, undefined, 1, "m", [], [viaJson(fullMeasurement())], new Box(), Object.assign(new Box(), viaJson(fullMeasurement()))]) {
      expectSameAnswer(item, show(item));
    }
  });
});

describe("compileIdentityCheck", () => {
  it("refuses schemas whose output is not the input: transforms, defaults, unions, refinements, coercion", () => {
    expect(compileIdentityCheck(z.string().transform((s) => s.trim()))).toBeNull();
    expect(compileIdentityCheck(z.object({ a: z.string().default("x") }))).toBeNull();
    expect(compileIdentityCheck(z.union([z.string(), z.number()]))).toBeNull();
    expect(compileIdentityCheck(z.object({ a: z.string() }).refine((o) => o.a !== ""))).toBeNull();
    expect(compileIdentityCheck(z.coerce.number())).toBeNull();
    expect(compileIdentityCheck(z.record(z.enum(["a", "b"]), z.string()))).toBeNull();
  });

  it("runs zod's own refinements on leaves (a url check that would rewrite the value is a no)", () => {
    const check = compileIdentityCheck(z.object({ u: z.string().url().max(20), n: z.number().int().nonnegative() }))!;
    expect(check({ u: "https://a.test/", n: 3 })).toBe(true);
    expect(check({ u: "https://a.test/" + "x".repeat(20), n: 3 })).toBe(false);
    expect(check({ u: "nope", n: 3 })).toBe(false);
    expect(check({ u: "https://a.test/", n: 3.5 })).toBe(false);
    expect(check({ u: "https://a.test/", n: -1 })).toBe(false);
    expect(check({ n: 3, u: "https://a.test/" })).toBe(false);
  });
});

describe("inSchemaKeyOrder", () => {
  it("moves a receivedAt added last (upload route, worker) after startedAt, so the item takes the no-copy path", () => {
    const m = { ...viaJson(measurementSchema.parse(fixtureMeasurement())), receivedAt: new Date().toISOString() };
    const asIs = viaJson(m);
    expect(parseMeasurement(asIs).data).not.toBe(asIs);
    const ordered = viaJson(inSchemaKeyOrder(m));
    expect(Object.keys(ordered)).toEqual(Object.keys(measurementSchema.parse(m)));
    expect(parseMeasurement(ordered).data).toBe(ordered);
    expect(inSchemaKeyOrder(ordered)).toBe(ordered);
  });

  it("keeps unknown keys, a __proto__ key as a key, for the collector's zod to strip; leaves non-objects alone", () => {
    const m = JSON.parse(`{"__proto__":"x","extra":1,${JSON.stringify(viaJson(fullMeasurement())).slice(1)}`) as Record<string, unknown>;
    const out = inSchemaKeyOrder(m);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out).slice(-2)).toEqual(["__proto__", "extra"]);
    expect(JSON.stringify(measurementSchema.parse(out))).toBe(JSON.stringify(measurementSchema.parse(m)));
    for (const v of [null, 1, "s", [1]]) expect(inSchemaKeyOrder(v)).toBe(v);
  });
});

describe("compileIdentityCheck with a check that throws", () => {
  it("answers no (zod then answers as zod does) and leaves no state behind for the next value", () => {
    let explode = true;
    const schema = z.object({ s: z.string().refine(() => { if (explode) throw new Error("boom"); return true; }) });
    const check = compileIdentityCheck(schema)!;
    expect(check({ s: "a" })).toBe(false);
    explode = false;
    expect(check({ s: "a" })).toBe(true);
  });
});
