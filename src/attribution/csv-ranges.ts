// Reads ip-location-db's "-num" CSV files (start,end,value[,name]; addresses as decimal integers, IPv6 up
// to 39 digits) straight from the file's bytes into range tables: no string per line, no BigInt, and a
// yield to the event loop every few thousand lines so a server answering requests never stalls on it.
import { readFile } from "node:fs/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { RangeTableBuilder, type RangeTable } from "./range-table.js";

const LINES_PER_SLICE = 20_000;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const QUOTE = 0x22;

/** Decimal digits buf[from, to) → `words` 32-bit words, most significant first; false on a non-digit or overflow. */
/** Reused by every call: a million lines parse without a million small arrays. */
const LIMBS = new Float64Array(8);

export function parseDecimal(buf: Uint8Array, from: number, to: number, out: Uint32Array, words: 1 | 4): boolean {
  const limbs = words * 2; // 16-bit limbs keep every product below 2^53
  const l = LIMBS;
  l.fill(0, 0, limbs);
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return false;
    let carry = d;
    for (let k = limbs - 1; k >= 0; k--) {
      const v = l[k]! * 10 + carry;
      l[k] = v & 0xffff;
      carry = v >>> 16;
    }
    if (carry !== 0) return false;
  }
  for (let w = 0; w < words; w++) out[w] = (l[2 * w]! * 0x10000 + l[2 * w + 1]!) >>> 0;
  return true;
}

/** One field's end: the next comma outside quotes, or the line's end. */
function fieldEnd(buf: Uint8Array, from: number, lineEnd: number): number {
  let quoted = false;
  for (let i = from; i < lineEnd; i++) {
    if (buf[i] === QUOTE) quoted = !quoted;
    else if (buf[i] === COMMA && !quoted) return i;
  }
  return lineEnd;
}

export interface CsvRow {
  /** The third column's bytes: [from, to). */
  valueFrom: number;
  valueTo: number;
  /** The fourth column, if any: [from, to) (still quoted). */
  restFrom: number;
  restTo: number;
}

/**
 * Parses every line into the builder. `valueOf` turns the third (and fourth) column into the row's 32-bit
 * value, or null to skip the row. Throws with the line number on a malformed line.
 */
export async function readRanges(
  path: string,
  words: 1 | 4,
  valueOf: (buf: Buffer, row: CsvRow) => number | null,
): Promise<RangeTable> {
  const buf = await readFile(path);
  const builder = new RangeTableBuilder(words, 1 << 16);
  const start = new Uint32Array(words);
  const end = new Uint32Array(words);
  let line = 0;
  for (let at = 0; at < buf.length; ) {
    let lineEnd = buf.indexOf(NEWLINE, at);
    if (lineEnd < 0) lineEnd = buf.length;
    const next = lineEnd + 1;
    if (lineEnd > at && buf[lineEnd - 1] === 0x0d) lineEnd--;
    line++;
    if (lineEnd > at) {
      const a = fieldEnd(buf, at, lineEnd);
      const b = fieldEnd(buf, a + 1, lineEnd);
      const c = b < lineEnd ? fieldEnd(buf, b + 1, lineEnd) : lineEnd;
      if (b >= lineEnd || !parseDecimal(buf, at, a, start, words) || !parseDecimal(buf, a + 1, b, end, words)) {
        throw new Error(`${path}:${line}: not "start,end,value" with decimal addresses`);
      }
      const value = valueOf(buf, { valueFrom: b + 1, valueTo: c, restFrom: Math.min(c + 1, lineEnd), restTo: lineEnd });
      if (value !== null) builder.add(start, end, value);
    }
    at = next;
    if (line % LINES_PER_SLICE === 0) await yieldToEventLoop();
  }
  try {
    return builder.build();
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** A CSV field's text: surrounding quotes removed, doubled quotes undone. */
export function fieldText(buf: Buffer, from: number, to: number): string {
  const raw = buf.toString("utf8", from, to);
  return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw;
}
