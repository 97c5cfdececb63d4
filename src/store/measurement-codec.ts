// The stored form of a raw measurement, shared by every store: the measurement's JSON text, deflated (zlib raw
// deflate) against a preset dictionary. The dictionary is a fixed text built from the Measurement's shape
// (keys in schema order, the probes' constant strings, failure classes, common headers) followed by the
// row's own indexed facts (id, probe, region, network, target, start time), which the store keeps as columns
// anyway: every occurrence of them in the JSON (the URL and its host appear up to ten times) becomes a short
// back-reference, and nothing has to be cut out of the JSON and put back, so decoding returns the JSON text
// exactly as it was encoded (same keys, same order, same number spelling).
//
// Before deflating, colon-separated upper-case hex strings (certificate fingerprints: 95 characters, the
// costliest value after compression) are written as a 0x02 byte and their lower-case hex digits, which
// deflate codes in half the bits (src/store/measurement-hex.ts).
//
// Layout: one version byte, then the payload. Version 1 = the low 16 bits of the JSON text's CRC-32 (little
// endian), then deflate-raw with DICTIONARY_V1 + context. The check is there because facts other than the
// encoder's can inflate to valid JSON carrying those other facts (a URL of the same length is copied from
// the dictionary like the right one): a row whose columns no longer match its raw value fails loudly. A stored
// value starting with "{" is plain JSON (rows written before the codec); strings are plain JSON too. A new
// dictionary or method takes a new version byte; DICTIONARY_V1 and the context text must never change,
// or rows already stored stop decoding (a test pins its hash).
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import type { Measurement } from "../measurement.js";
import { PACKED_MARK, packHexInPlace, unpackHex } from "./measurement-hex.js";

/** The facts a store keeps as columns and hands back to decode (they shape the dictionary). */
export interface CodecContext {
  id: string;
  probeId: string;
  region: string;
  network: string;
  url: string;
  category: string;
  /** Epoch ms of startedAt (Date.parse), as the store keeps it. */
  startedMs: number;
  /** The measurement's receivedAt, exactly; null when it has none. */
  receivedAt: string | null;
}

export const CODEC_VERSION = 1;

export class MeasurementDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MeasurementDecodeError";
  }
}

const T = 0.012345678901234567;
const HOST = "www.example.kz";
const URL_ = `https://${HOST}/`;
const ADDR = "198.18.0.1";

// A successful check with every optional part present, in the Measurement schema's key order: most of a
// stored measurement is this skeleton, and deflate copies it from here in runs of up to 258 bytes.
const SHAPE = {
  version: 1, id: "00000000-0000-4000-8000-000000000000",
  probe: { id: "probe", role: "region", software: "keepwatch/0.1.0" },
  region: "KZ-75", network: { id: "kt-fixed", asn: 9198, kind: "fixed" },
  target: { url: URL_, list: "whitelisted", category: "GOVT" },
  startedAt: "2026-01-01T00:00:00.000Z", receivedAt: "2026-01-01T00:00:00.000Z",
  check: {
    url: URL_,
    dns: [{ query: HOST, resolver: "system", transport: "system", rcode: "NOERROR", answers: [], addresses: [ADDR], cnameChain: [],
      bogons: [], failure: null, time: T }],
    controlDns: { query: HOST, resolver: "198.18.1.53:53", transport: "udp", rcode: "NOERROR",
      answers: [{ name: HOST, type: "A", data: ADDR, ttl: 300 }], addresses: [ADDR], cnameChain: [], bogons: [], failure: null, time: T },
    tcp: [{ address: ADDR, port: 443, failure: null, connectTime: T }],
    tls: [{ address: ADDR, port: 443, serverName: HOST, alpn: "http/1.1", protocol: "TLSv1.3", failure: null, handshakeTime: T,
      certificate: { subject: `CN=${HOST}`, issuer: "C=US, O=Let's Encrypt, CN=R11", validFrom: "Jan  1 00:00:00 2026 GMT",
        validTo: "Dec 31 23:59:59 2026 GMT", altNames: [HOST], fingerprint256: "\u0002" + "0123456789abcdef".repeat(4) } }],
    http: { url: URL_, finalUrl: URL_,
      hops: [{ url: URL_, address: ADDR, status: 200,
        headers: { "content-type": "text/html; charset=utf-8", server: "nginx", "content-length": "12345" },
        bodyLength: 12345, bodySha256: "0123456789abcdef", bodyTruncated: false, title: "Title", failure: null,
        phases: { dns: T, connect: T, tls: T, firstByte: T, download: T, total: T },
        headerNames: ["content-type", "server", "content-length", "date", "cache-control"] }],
      status: 200, failure: null, blockPage: null, time: T },
    control: { helper: "https://helper/api/v1/control", dns: { addresses: [ADDR], failure: null },
      tcp: { "198.18.0.1:443": "ok" }, tls: { "198.18.0.1:443": "ok" },
      http: { status: 200, failure: null, bodyLength: 12345, title: "Title", finalUrl: URL_ },
      consistency: { dns: "consistent", statusCodeMatch: true, bodyLengthMatch: true, headersMatch: true, titleMatch: true }, time: T },
    time: T,
  },
  verdict: { accessible: true, blocking: null, failure: null, determined: true },
  throughput: { url: URL_, address: ADDR, bytes: 4194304, seconds: T, bytesPerSecond: T, firstByte: T, capped: "bytes", failure: null },
  local: { gateway: "ok", resolver: "ok" },
};

// Less common values, farther from the data (a longer back-reference distance costs a few bits more).
const RARER = [
  `"x-powered-by""location""via""x-cache""x-served-by""cf-ray""age""content-encoding":"gzip""br""last-modified""set-cookie"`,
  `"strict-transport-security""x-frame-options":"SAMEORIGIN""vary""accept-ranges":"bytes""etag""expires""pragma"`,
  `"x-content-type-options":"nosniff""connection":"keep-alive""transfer-encoding":"chunked""cloudflare""Apache""Microsoft-IIS/10.0"`,
  `"openresty""text/html; charset=UTF-8""application/json""text/plain""Feb Mar Apr May Jun Jul Aug Sep Oct Nov 2025 2027 GMT"`,
  `"C=US, O=DigiCert Inc, CN=""C=BE, O=GlobalSign nv-sa, CN=""Sectigo""R10""E5""E6""AAAA""CNAME","ttl":60,"TLSv1.2""h2"`,
  `Главная страница Новости Казахстан Министерство Республики Доступ ограничен Ресурс заблокирован | — `,
  `"failure":"dns_nxdomain""dns_servfail""dns_refused""dns_no_answer""dns_timeout""dns_bogon""dns_error""tcp_refused"`,
  `"tcp_reset""tcp_timeout""tcp_unreachable""tcp_error""tls_reset""tls_timeout""tls_eof""tls_cert_expired""tls_cert_hostname"`,
  `"tls_cert_untrusted""tls_error""http_reset""http_timeout""http_eof""http_error""http_too_many_redirects""blocking":"http-failure"`,
  `"http-diff""dns""tcp""tls","accessible":false,"rcode":"NXDOMAIN","SERVFAIL","REFUSED",null,"certificate":null,"alpn":null`,
  `,"protocol":null,"handshakeTime":null,"connectTime":null,"tcp":[],"tls":[],"http":null,"controlDns":null,"throughput":null`,
  `,"blockPage":{"id":"","country":"KZ","matched":"title""body""address""location""header"},"inconsistent""unreachable""none"`,
  `"unknown","capped":"time""mobile""non_whitelisted""control"`,
].join("");

/** Frozen forever for version 1 (see the file comment). The SHAPE's fingerprint is in its packed form. */
export const DICTIONARY_V1 = Buffer.from(RARER + JSON.stringify(SHAPE).replace("\\u0002", "\u0002"), "utf8");

// Raw deflate, small window and hash: inputs are a few KB and the dictionary 4 KB, so an 8 KB window loses
// nothing (measured: same size as 32 KB) and the per-call state is a quarter as large (faster to set up).
// Level 5, not zlib's default 6: on production-shaped measurements it gives the same bytes (372 per
// measurement) for about 10 % less CPU per encode (bench/measurement-codec.ts; level 3 saves 16 % for +6 B).
// The level only changes how hard the encoder searches, not the format: any level inflates the same way, so
// rows written at another level read back unchanged and no new version byte is needed.
// chunkSize: Node's zlib gives each call an output buffer of this size (default 16 KB, a fresh allocation per
// row); an encoded measurement is a few hundred bytes, and buffers under 4 KB come from Node's shared pool.
// Larger outputs still come out whole (zlib fills further chunks). The output does not depend on it;
// about 10 % less CPU per encode than the default (bench/measurement-codec.ts, "chunkSize 16384").
const DEFLATE_OPTIONS = { level: 5, windowBits: 13, memLevel: 5, chunkSize: 2048 } as const;

/** Encoder settings a benchmark may vary (bench/measurement-codec.ts); stores use the defaults. */
export interface DeflateTuning {
  level?: number;
  memLevel?: number;
  strategy?: number;
  chunkSize?: number;
}

function contextText(c: CodecContext): string {
  const started = Number.isFinite(c.startedMs) ? new Date(c.startedMs).toISOString() : "";
  return `"${c.category}"${c.probeId}"${c.network}"${c.region}"${started}"${c.receivedAt ?? ""}"${c.url}"${c.id}"`;
}

// The static dictionary followed by the row's context, built in one reused buffer: zlib copies the
// dictionary when the stream is created (synchronously), so the next call may overwrite it. A context
// longer than the spare room (URLs up to 2 KB) gets a buffer of its own.
const DICTIONARY_ROOM = 1024;
const dictionaryScratch = Buffer.alloc(DICTIONARY_V1.length + DICTIONARY_ROOM);
DICTIONARY_V1.copy(dictionaryScratch);

/** DICTIONARY_V1 + the context text; valid only until the next call (pass it straight to zlib). */
function dictionary(c: CodecContext): Buffer {
  const text = contextText(c);
  if (text.length * 3 > DICTIONARY_ROOM) return Buffer.concat([DICTIONARY_V1, Buffer.from(text, "utf8")]);
  const n = dictionaryScratch.write(text, DICTIONARY_V1.length, "utf8");
  return dictionaryScratch.subarray(0, DICTIONARY_V1.length + n);
}

/** The context of a measurement, as a store derives its columns from it. */
export function codecContext(m: Measurement): CodecContext {
  return {
    id: m.id, probeId: m.probe.id, region: m.region, network: m.network.id, url: m.target.url,
    category: m.target.category, startedMs: Date.parse(m.startedAt), receivedAt: m.receivedAt ?? null,
  };
}

// The JSON text's UTF-8, converted once into a reused buffer: the checksum is taken from it, then it is
// hex-packed in place and deflated (zlib reads it synchronously, so the next call may overwrite it). A text
// whose UTF-8 might not fit (3 bytes per UTF-16 unit at most) gets a buffer of its own.
const textScratch = Buffer.allocUnsafe(64 * 1024);

/** Encodes a measurement's JSON text (JSON.stringify of it, or the text a store already holds). */
export function encodeMeasurementJson(json: string, context: CodecContext, tuning?: DeflateTuning): Buffer {
  const scratch = json.length * 3 <= textScratch.length ? textScratch : Buffer.allocUnsafe(json.length * 3);
  const length = scratch.write(json, 0, "utf8");
  const text = scratch.subarray(0, length);
  // Valid JSON text has no raw control characters; one here would make the hex packing ambiguous.
  if (text.indexOf(PACKED_MARK) >= 0) throw new TypeError(`measurement ${context.id}: not JSON text (raw control character)`);
  const check = crc32(text) & 0xffff; // crc32 of a string is that of its UTF-8, as decode computes it
  const packed = scratch.subarray(0, packHexInPlace(scratch, length));
  const body = deflateRawSync(packed, { ...DEFLATE_OPTIONS, ...tuning, dictionary: dictionary(context) });
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = CODEC_VERSION;
  out.writeUInt16LE(check, 1);
  body.copy(out, 3);
  return out;
}

export function encodeMeasurement(m: Measurement): Buffer {
  return encodeMeasurementJson(JSON.stringify(m), codecContext(m));
}

/** The JSON text of a stored value; context must hold the same facts the value was encoded with. */
export function decodeMeasurementJson(stored: Uint8Array | string, context: CodecContext): string {
  if (typeof stored === "string") return stored;
  const version = stored[0];
  if (version === 0x7b) return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).toString("utf8");
  if (version !== CODEC_VERSION) {
    throw new MeasurementDecodeError(`measurement ${context.id}: unknown stored encoding version ${version}`);
  }
  let json: string;
  try {
    json = unpackHex(inflateRawSync(stored.subarray(3), { windowBits: 15, dictionary: dictionary(context) }).toString("utf8"));
  } catch (err) {
    throw new MeasurementDecodeError(`measurement ${context.id}: stored value does not inflate (${(err as Error).message})`);
  }
  const check = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).readUInt16LE(1);
  if ((crc32(json) & 0xffff) !== check) {
    throw new MeasurementDecodeError(`measurement ${context.id}: stored value does not match its row's facts (checksum)`);
  }
  return json;
}

export function decodeMeasurement(stored: Uint8Array | string, context: CodecContext): Measurement {
  const json = decodeMeasurementJson(stored, context);
  try {
    return JSON.parse(json) as Measurement;
  } catch {
    throw new MeasurementDecodeError(`measurement ${context.id}: stored value is not JSON`);
  }
}
