// Binary array parameters (src/store/postgres/binary-array.ts) against a real PostgreSQL: for every element
// type ingest sends, `$1::T[]` given the binary form reads back exactly what node-postgres's text array form
// gives, edge values and NULLs included; values the text form would have refused are refused, not truncated;
// and a stored measurement row is, column by column and byte by byte, the row the text form stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { measurementFacts } from "../../src/measurement.js";
import { binaryArray, type ElementType } from "../../src/store/postgres/binary-array.js";
import { prepareRows } from "../../src/store/postgres/ingest.js";
import { INSERT_COLUMNS, INSERT_TYPES, insertValues } from "../../src/store/postgres/measurement-row.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { freshDatabase } from "../helpers/postgres.js";

const CASES: { type: ElementType; values: unknown[] }[] = [
  { type: "int4", values: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), null, 42] },
  { type: "int8", values: [0, 1, -1, 1_736_035_200_123, -1_736_035_200_123, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32, -(2 ** 32), null] },
  { type: "float8", values: [0, -0, -0.5, 0.1, Number.MIN_VALUE, Infinity, -Infinity, Number.NaN, 1.25, 123456.789, 1e-300, 1e300, 2 ** 53, null, 3] },
  { type: "bool", values: [true, false, null, true] },
  { type: "text", values: ["", "kz-almaty", "ünïcödé ✓ Қазақстан", 'quote " and \\ backslash, {braces}', "NULL", null, "x".repeat(5000),
    "lone \ud800 and \udfff surrogates"] },
  { type: "uuid", values: ["0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950F", null,
    "{0f8fad5b-d9cb-469f-a165-708677289510}", "0f8fad5bd9cb469fa16570867728950e"] },
  { type: "bytea", values: [Buffer.alloc(0), Buffer.from([0, 1, 2, 255, 92, 34, 123, 125]), null, Buffer.alloc(70_000, 0xab)] },
];

describe("binaryArray", () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = createPool(await freshDatabase());
  });
  afterAll(async () => {
    await pool.end();
  });

  // Text form of each element as PostgreSQL prints it, with its position: what both forms must agree on.
  const read = async (type: ElementType, param: unknown): Promise<{ i: string; v: string | null }[]> =>
    (await pool.query<{ i: string; v: string | null }>(`SELECT i::text AS i, v::text AS v FROM unnest($1::${type}[]) WITH ORDINALITY AS u (v, i)`,
      [param])).rows;

  for (const { type, values } of CASES) {
    it(`${type}[]: the binary form reads back as the text form does`, async () => {
      const binary = await read(type, binaryArray(type, values));
      expect(binary).toHaveLength(values.length);
      expect(binary).toEqual(await read(type, values));
      expect(binary.filter((r) => r.v === null)).toHaveLength(values.filter((v) => v === null).length);
    });
  }

  it("is one dimension with lower bound 1, of the declared element type, also when empty", async () => {
    const { rows } = await pool.query(`SELECT array_lower($1::int8[], 1) AS lo, cardinality($1::int8[]) AS n,
      cardinality($2::text[]) AS empty`, [binaryArray("int8", [5, 6, 7]), binaryArray("text", [])]);
    expect(rows[0]).toEqual({ lo: 1, n: 3, empty: 0 });
    // array_recv checks the element type: a mismatch is refused, not reinterpreted.
    await expect(pool.query("SELECT cardinality($1::int4[])", [binaryArray("int8", [1])])).rejects.toThrow(/element type/);
  });

  it("reads a uuid in every form PostgreSQL's uuid_in reads, and refuses the others as it does", async () => {
    const forms = ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
      "a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11",
      "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "not-a-uuid", "", "{}"];
    const outcome = (p: Promise<{ v: string | null }[]>) => p.then((r) => r[0]!.v, (e: Error) => `refused: ${e.message}`);
    for (const form of forms) {
      const viaText = await outcome(read("uuid", [form]));
      const viaBinary = await outcome((async () => read("uuid", binaryArray("uuid", [form])))());
      expect(viaBinary, form).toBe(viaText);
    }
  });

  it("refuses a text with a NUL character as the text form does (invalid byte sequence, 22021)", async () => {
    const outcome = (p: Promise<unknown>) => p.then(() => "stored", (e: { code?: string }) => `refused ${e.code}`);
    const values = ["ok", "a\u0000b"];
    expect(await outcome(read("text", binaryArray("text", values)))).toBe("refused 22021");
    expect(await outcome(read("text", values))).toBe("refused 22021");
  });

  it("refuses what the text form would have refused, instead of writing something else", () => {
    expect(() => binaryArray("int4", [1.5])).toThrow(RangeError);
    expect(() => binaryArray("int8", [Number.NaN])).toThrow(RangeError);
    expect(() => binaryArray("int8", [2 ** 63])).toThrow(RangeError);
    expect(() => binaryArray("int4", [2 ** 31])).toThrow(RangeError);
    expect(() => binaryArray("uuid", ["not-a-uuid"])).toThrow(/invalid input syntax for type uuid/);
    // A value of the wrong JS type is refused, not coerced ("false" would have been true, "5" NaN).
    expect(() => binaryArray("bool", ["false"])).toThrow(TypeError);
    expect(() => binaryArray("bool", [1])).toThrow(TypeError);
    expect(() => binaryArray("float8", ["5"])).toThrow(TypeError);
    expect(() => binaryArray("int8", [5n])).toThrow(TypeError);
    expect(() => binaryArray("int4", ["5"])).toThrow(TypeError);
  });

  it("stores every column of a measurement row as the text-array form did (packed byte for byte)", async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    try {
      await store.migrate();
      const batch = [
        fixtureMeasurement({ id: "0F0E0D0C-0B0A-4908-8706-050403020100", startedAt: "2025-03-01T10:00:00.5Z", bytesPerSecond: 123456.5 }),
        { ...fixtureMeasurement({ startedAt: "2025-03-01T10:00:02.000Z", accessible: false, blocking: "dns", failure: "dns_nxdomain" }),
          receivedAt: "2025-03-01T10:00:03Z" },
        { ...fixtureMeasurement({ startedAt: "2025-03-01T10:00:04.123Z", region: "KZ-ALA", url: "https://ünïcödé.example/" }),
          receivedAt: "2025-03-01T10:00:05.123Z" },
      ];
      expect((await store.insertMeasurements(batch)).inserted).toBe(3);
      // The same rows' values as node-postgres's text arrays, read back through unnest() as the INSERT did.
      const rows = prepareRows(batch);
      const refs = await store.seriesTable.intern(rows.map((r) => measurementFacts(r.m)), store.nameTable);
      const cols = INSERT_TYPES.map((_, c) => rows.map((r, i) => insertValues(r.m, r.f, r.ms, store.nameTable, refs[i]!)[c]));
      const asText = INSERT_COLUMNS.map((c) => `${c}::text AS ${c}`).join(", ");
      const expected = await store.pool.query(`SELECT ${asText} FROM unnest(${INSERT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})
        AS u (${INSERT_COLUMNS.join(", ")}) ORDER BY id`, cols);
      const stored = await store.pool.query(`SELECT ${asText} FROM measurements ORDER BY id`);
      expect(stored.rows).toEqual(expected.rows);
      // Every form of the time columns is among them: started_at text, received_at text, received_after_ms.
      for (const c of ["started_at", "received_at", "received_after_ms"]) expect(stored.rows.some((r) => r[c] !== null)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
