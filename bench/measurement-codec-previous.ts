// The version-1 encoder as written before the byte-level hex packing (commit 4714625): the hex packing as a
// string replace, the checksum of the string, and zlib given the packed string. Same format and, on the same
// zlib, the same bytes as the current encoder (tests/store/measurement-codec.test.ts checks it);
// bench/measurement-codec.ts runs it side by side with the current one.
import { crc32, deflateRawSync } from "node:zlib";
import { CODEC_VERSION, DICTIONARY_V1, type CodecContext } from "../src/store/measurement-codec.js";
import { COLON_HEX } from "../src/store/measurement-hex.js";

export function previousEncodeMeasurementJson(json: string, c: CodecContext): Buffer {
  if (json.includes("\u0002")) throw new TypeError(`measurement ${c.id}: not JSON text (raw control character)`);
  const packed = json.replace(COLON_HEX, (_, h: string) => `"\u0002${h.replaceAll(":", "").toLowerCase()}"`);
  const started = Number.isFinite(c.startedMs) ? new Date(c.startedMs).toISOString() : "";
  const context = `"${c.category}"${c.probeId}"${c.network}"${c.region}"${started}"${c.receivedAt ?? ""}"${c.url}"${c.id}"`;
  const dictionary = Buffer.concat([DICTIONARY_V1, Buffer.from(context, "utf8")]);
  const body = deflateRawSync(packed, { level: 5, windowBits: 13, memLevel: 5, chunkSize: 2048, dictionary });
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = CODEC_VERSION;
  out.writeUInt16LE(crc32(json) & 0xffff, 1);
  body.copy(out, 3);
  return out;
}
