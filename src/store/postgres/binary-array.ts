// Array parameters in PostgreSQL's binary array format (array_send/array_recv). node-postgres sends a JS
// array as a text literal ("{…}", every bytea hex-escaped, every element quoted) that the server parses back
// with array_in; a Buffer parameter it sends as is, in binary format. So an array built here as a Buffer
// reaches `$n::T[]` without text on either side: the server reads each element with T's binary receive
// function (a memcpy for bytea and text, a fixed-width read for numbers). Used where ingest sends
// thousands of values per statement (ingest.ts).

/** Element types this file encodes, with their type OIDs (array_recv checks the OID against the cast). */
export const ELEMENT_OIDS = { bool: 16, bytea: 17, int8: 20, int4: 23, text: 25, float8: 701, uuid: 2950 } as const;
export type ElementType = keyof typeof ELEMENT_OIDS;

const FIXED_WIDTH: Partial<Record<ElementType, number>> = { bool: 1, int8: 8, int4: 4, float8: 8, uuid: 16 };
const TWO_32 = 2 ** 32;

/** Nibble of a hex digit's char code, -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE["0123456789abcdef".charCodeAt(i)] = i;
  NIBBLE["0123456789ABCDEF".charCodeAt(i)] = i;
}

/**
 * Writes a uuid's 16 bytes at `at`: 32 hex digits, with PostgreSQL's uuid_in's optional hyphen after any group of
 * four (the form measurement ids have, 8-4-4-4-12, among them) and optional braces; anything else is refused as
 * PostgreSQL would refuse it (22P02), so callers see the same error as with the text form.
 */
function writeUuid(out: Buffer, at: number, s: string): void {
  const braced = s.charCodeAt(0) === 123 && s.charCodeAt(s.length - 1) === 125; // { }
  let i = braced ? 1 : 0;
  const end = braced ? s.length - 1 : s.length;
  for (let b = 0; b < 16; b++) {
    if (b > 0 && b % 2 === 0 && s.charCodeAt(i) === 45 && i + 1 < end) i++; // "-" between groups of four digits
    const hi = NIBBLE[s.charCodeAt(i)] ?? -1;
    const lo = NIBBLE[s.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0 || i + 1 >= end) throw invalidUuid(s);
    out[at + b] = (hi << 4) | lo;
    i += 2;
  }
  if (i !== end) throw invalidUuid(s);
}

function invalidUuid(s: string): Error {
  return Object.assign(new Error(`invalid input syntax for type uuid: "${s}"`), { code: "22P02" });
}

function elementBytes(type: ElementType, v: unknown): Buffer {
  return type === "bytea" ? (v as Buffer) : Buffer.from(String(v), "utf8");
}

/** The array as one binary parameter for `$n::T[]` (null elements allowed). */
export function binaryArray(type: ElementType, values: readonly unknown[]): Buffer {
  const width = FIXED_WIDTH[type];
  // Variable-width elements are converted first, to size the buffer once.
  const parts = width === undefined ? values.map((v) => (v == null ? null : elementBytes(type, v))) : null;
  let size = 20;
  let hasNull = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] == null) {
      hasNull = 1;
      size += 4;
    } else size += 4 + (width ?? parts![i]!.length);
  }
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(1, 0); // dimensions
  out.writeInt32BE(hasNull, 4);
  out.writeUInt32BE(ELEMENT_OIDS[type], 8);
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16); // lower bound
  let at = 20;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) {
      at = out.writeInt32BE(-1, at);
      continue;
    }
    const part = parts?.[i];
    if (part) {
      at = out.writeInt32BE(part.length, at);
      at += part.copy(out, at);
      continue;
    }
    at = out.writeInt32BE(width!, at);
    const n = v as number;
    // A value of another JS type would be coerced silently here ("false" as true, "5" as NaN): refuse it.
    if (type === "bool" ? typeof v !== "boolean" : type !== "uuid" && typeof v !== "number") {
      throw new TypeError(`${type} element is a ${typeof v}, not a ${type === "bool" ? "boolean" : "number"}: ${String(v)}`);
    }
    // The text form would make PostgreSQL refuse these; a binary write would silently truncate them.
    if ((type === "int4" || type === "int8") && !(Number.isInteger(n) && Math.abs(n) < 2 ** 63)) {
      throw new RangeError(`${type} element is not an integer in range: ${n}`);
    }
    if (type === "uuid") {
      writeUuid(out, at, String(v));
      at += 16;
    } else if (type === "int4") at = out.writeInt32BE(n, at);
    // -0 as 0: the text form (String(-0) is "0") never stored a negative zero.
    else if (type === "float8") at = out.writeDoubleBE(n === 0 ? 0 : n, at);
    else if (type === "bool") at = out.writeUInt8(v ? 1 : 0, at);
    else {
      // int8 from an integral JS number (both words exact): high word signed, low word unsigned.
      const high = Math.floor(n / TWO_32);
      at = out.writeInt32BE(high, at);
      at = out.writeUInt32BE(n - high * TWO_32, at);
    }
  }
  return out;
}
