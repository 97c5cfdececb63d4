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
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A uuid's 16 bytes; the forms PostgreSQL's uuid_in reads for a measurement id (hyphens optional, braces). */
function uuidBytes(s: string): Buffer {
  const bare = s.startsWith("{") && s.endsWith("}") ? s.slice(1, -1) : s;
  // PostgreSQL would refuse it too (22P02); the message is the same, so callers see no difference.
  if (!UUID.test(bare)) throw Object.assign(new Error(`invalid input syntax for type uuid: "${s}"`), { code: "22P02" });
  return Buffer.from(bare.replace(/-/g, ""), "hex");
}

function elementBytes(type: ElementType, v: unknown): Buffer | null {
  if (type === "bytea") return v as Buffer;
  if (type === "text") return Buffer.from(String(v), "utf8");
  if (type === "uuid") return uuidBytes(String(v));
  return null;
}

/** The array as one binary parameter for `$n::T[]` (null elements allowed). */
export function binaryArray(type: ElementType, values: readonly unknown[]): Buffer {
  const width = FIXED_WIDTH[type];
  // Variable-width elements are converted first, to size the buffer once.
  const parts = width === undefined || type === "uuid" ? values.map((v) => (v == null ? null : elementBytes(type, v))) : null;
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
    // The text form would make PostgreSQL refuse these; a binary write would silently truncate them.
    if ((type === "int4" || type === "int8") && !(Number.isInteger(n) && Math.abs(n) < 2 ** 63)) {
      throw new RangeError(`${type} element is not an integer in range: ${n}`);
    }
    if (type === "int4") at = out.writeInt32BE(n, at);
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
