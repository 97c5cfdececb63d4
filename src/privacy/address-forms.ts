// Every textual form one known IP address takes when a page, a header, a URL or a host name echoes it, as
// one case-insensitive regex. Used for the addresses we do know: the uploading connection's (server side)
// and the machine's own interfaces (probe side). Forms: dotted/dashed/underscored, forward and reversed
// (in-addr.arpa, "host-198-18-77-77.isp", "77.77.18.198.dynamic"), leading zeros, the 32-bit integer,
// hex ("0xc6124d4d", "c6124d4d" labels, "0xc6.0x12.0x4d.0x4d"), the IPv6-mapped/NAT64 tail ("c612:4d4d");
// for IPv6 every compression of every zero run, leading zeros, ":"/"-"/"%3A" separators (ipv6-literal
// names, URL escapes), the ip6.arpa nibbles and the 32-digit hex. Percent escapes of unreserved
// characters and NFKC look-alikes are folded by normalizeForScan before matching.
import { isIP } from "node:net";

/** A parsed address: 4 octets or 8 16-bit groups. */
export type ParsedAddress = { family: 4; octets: number[] } | { family: 6; groups: number[] };

function ipv6Groups(text: string): number[] | null {
  let s = text.toLowerCase();
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const o = tail.split(".").map(Number);
    if (o.length !== 4 || o.some((x) => !(x >= 0 && x <= 255))) return null;
    s = `${s.slice(0, lastColon + 1)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const part = (h: string | undefined) => (h ? h.split(":").map((g) => parseInt(g, 16)) : []);
  const head = part(halves[0]);
  const rest = part(halves[1]);
  const zeros = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(0, zeros)).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * Parses a socket or text address ("198.18.77.77", "[2001:db8::1]", "fe80::1%eth0"); an IPv4-mapped IPv6
 * address ("::ffff:198.18.77.77", what a dual-stack listener reports) is its IPv4 address. Null if not an IP.
 */
export function parseAddress(raw: string): ParsedAddress | null {
  // "[2001:db8::1]:443", "198.18.77.77:48666" (proxy headers carry ports) -> the address alone.
  let a = raw.trim().replace(/^\[([^\]]+)\](?::\d+)?$/, "$1").replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, "$1");
  const zone = a.indexOf("%");
  if (zone >= 0) a = a.slice(0, zone);
  const family = isIP(a);
  if (family === 4) return { family: 4, octets: a.split(".").map(Number) };
  if (family !== 6) return null;
  const groups = ipv6Groups(a);
  if (!groups) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return { family: 4, octets: [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff] };
  }
  return { family: 6, groups };
}

/** One spelling per address, for set membership ("2001:db8:0:0:0:0:0:1", "198.18.77.77"). */
export function canonicalAddress(raw: string): string | null {
  const p = parseAddress(raw);
  if (!p) return null;
  return p.family === 4 ? p.octets.join(".") : p.groups.map((g) => g.toString(16)).join(":");
}

/** Loopback and unspecified addresses identify nobody, and a DNS lie pointing at 127.0.0.1 is evidence. */
export function isAnonymousAddress(p: ParsedAddress): boolean {
  if (p.family === 4) return p.octets[0] === 127 || p.octets.every((o) => o === 0);
  return p.groups.slice(0, 7).every((g) => g === 0) && (p.groups[7] === 0 || p.groups[7] === 1);
}

// Separators an address is spelled with in names, URLs and escapes (after normalizeForScan).
const V4_SEP = "(?:\\.|-|_|%2e|%2d|%5f)";
const V6_SEP = "(?::|%3a|-)";
const NOT_DIGIT_BEFORE = "(?<![0-9])";
const NOT_DIGIT_AFTER = "(?![0-9])";
const NOT_HEX_BEFORE = "(?<![0-9a-f])";
const NOT_HEX_AFTER = "(?![0-9a-f])";

const dec = (n: number) => `0*${n}`;
const hex = (n: number) => `0*${n.toString(16)}`;

function ipv4Patterns(o: number[]): string[] {
  const [a, b, c, d] = o as [number, number, number, number];
  const asInt = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const hex8 = asInt.toString(16).padStart(8, "0");
  const pad3 = (n: number) => String(n).padStart(3, "0");
  const hexOctet = (n: number) => `0x0*${n.toString(16)}`;
  const out = [
    `${NOT_DIGIT_BEFORE}${[a, b, c, d].map(dec).join(V4_SEP)}${NOT_DIGIT_AFTER}`,
    `${NOT_DIGIT_BEFORE}${[d, c, b, a].map(dec).join(V4_SEP)}${NOT_DIGIT_AFTER}`,
    `${NOT_DIGIT_BEFORE}${[a, b, c, d].map(pad3).join("")}${NOT_DIGIT_AFTER}`,
    `${NOT_DIGIT_BEFORE}${[d, c, b, a].map(pad3).join("")}${NOT_DIGIT_AFTER}`,
    `${NOT_HEX_BEFORE}${[a, b, c, d].map(hexOctet).join(V4_SEP)}${NOT_HEX_AFTER}`,
    `${NOT_HEX_BEFORE}0*${hex8}${NOT_HEX_AFTER}`,
    // The low 32 bits of ::ffff:c612:4d4d, 64:ff9b::c612:4d4d and the like.
    `${NOT_HEX_BEFORE}${hex((a << 8) | b)}${V6_SEP}${hex((c << 8) | d)}${NOT_HEX_AFTER}`,
  ];
  // Tiny integers ("5" for 0.0.0.5) would hit every number in a page; real hosts are far above 2^24.
  if (asInt >= 1 << 24) out.push(`${NOT_DIGIT_BEFORE}${asInt}${NOT_DIGIT_AFTER}`);
  return out;
}

function ipv6Patterns(g: number[]): string[] {
  const group = (i: number) => hex(g[i]!);
  const run = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => group(from + k)).join(V6_SEP);
  // The last 32 bits may be written as a dotted IPv4 address ("64:ff9b::198.18.77.77").
  const dottedTail = [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].map(dec).join("\\.");
  const spellings = [run(0, 8), `${run(0, 6)}${V6_SEP}${dottedTail}`];
  for (let i = 0; i < 8; i++) {
    for (let j = i + 1; j <= 8; j++) {
      if (g[j - 1] !== 0 || g.slice(i, j).some((x) => x !== 0)) continue;
      spellings.push(`${run(0, i)}${V6_SEP}${V6_SEP}${run(j, 8)}`);
    }
  }
  const nibbles = g.map((x) => x.toString(16).padStart(4, "0")).join("");
  return [
    ...spellings.map((s) => `${NOT_HEX_BEFORE}${s}${NOT_HEX_AFTER}`),
    `${NOT_HEX_BEFORE}${nibbles}${NOT_HEX_AFTER}`,
    `${NOT_HEX_BEFORE}${[...nibbles].reverse().join("\\.")}${NOT_HEX_AFTER}`,
  ];
}

/** One regex (global, case-insensitive) matching every form of the given addresses; null when none parse. */
export function addressFormsRegex(addresses: Iterable<string>): RegExp | null {
  const patterns: string[] = [];
  const seen = new Set<string>();
  for (const raw of addresses) {
    const key = canonicalAddress(raw);
    const p = parseAddress(raw);
    if (!p || !key || seen.has(key)) continue;
    seen.add(key);
    patterns.push(...(p.family === 4 ? ipv4Patterns(p.octets) : ipv6Patterns(p.groups)));
  }
  // Longest first so a full spelling wins over a shorter one that is its prefix.
  patterns.sort((x, y) => y.length - x.length);
  return patterns.length > 0 ? new RegExp(patterns.join("|"), "gi") : null;
}

// Unreserved characters, plus ":" "[" "]" which only ever delimit an address here.
const UNRESERVED_ESCAPE = /%(?:25)*(3[0-9a]|4[1-9a-f]|5[0-9abd]|6[1-9a-f]|7[0-9a]|2d|2e|5f|7e)/gi;
const NUMERIC_ENTITY = /&#(?:x([0-9a-f]{1,4})|([0-9]{1,5}));?/gi;

/**
 * Folds spellings that mean the same characters: NFKC (full-width digits, "．"), percent escapes of
 * unreserved characters (RFC 3986: equivalent) and of ":" "[" "]", nested "%25" escapes, and numeric HTML
 * entities of ASCII. Used only to find addresses: a string with none is reported unchanged.
 */
export function normalizeForScan(text: string): string {
  let s = text.normalize("NFKC");
  if (s.includes("&#")) {
    s = s.replace(NUMERIC_ENTITY, (all, h: string | undefined, d: string | undefined) => {
      const code = h !== undefined ? parseInt(h, 16) : Number(d);
      return code > 0x20 && code < 0x7f ? String.fromCharCode(code) : all;
    });
  }
  if (s.includes("%")) {
    // "%252E" -> "%2E" -> "."; a bounded number of rounds.
    for (let round = 0; round < 3; round++) {
      const next = s.replace(UNRESERVED_ESCAPE, (_all, code: string) => String.fromCharCode(parseInt(code, 16)));
      if (next === s) break;
      s = next;
    }
  }
  return s;
}
