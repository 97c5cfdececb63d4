// Keeps a volunteer's address out of what is reported. Block pages and middleboxes like to echo the
// client's IP - in a page title, a header, a redirect URL ("?ip=203.0.113.7"), a reverse-DNS name
// ("host-203-0-113-7.isp.example") - and a volunteer's address must never be published. Two passes over
// every free-text string of a measurement:
//  - addresses we know (the machine's own interfaces on the probe, the uploading connection's address on
//    the server) are scrubbed in every form (address-forms.ts), even from DNS answers and connected
//    addresses: privacy wins over evidence;
//  - every other IP literal (dotted, dashed, with a port, behind a URL escape, IPv6 in any spelling,
//    IPv4-mapped) is scrubbed too, as OONI does, except the addresses the measurement is about (what DNS
//    answered, what we connected to, the resolvers asked): facts about the target a rights group needs.
import { isIP } from "node:net";
import type { Measurement } from "../measurement.js";
import { canonicalAddress, normalizeForScan } from "./address-forms.js";
import { ownAddressesRegex } from "./own-addresses.js";

export const SCRUBBED = "[scrubbed]";

// Runs of address characters (after normalizeForScan; %3A is a colon behind a URL escape).
const RUN = /(?:%3a|[0-9a-f.:]){3,}/gi;
// What every literal the generic pass looks for contains; a string without it is left alone (most are).
const MAYBE_LITERAL = /[0-9:]|ipv6-literal/i;
const HAS_SEPARATOR = /[.:]|%3a/i;
const DOTTED_V4 = /(?<![0-9])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9])/g;
// Reverse-DNS style names: "host-198-18-77-77", "198_18_77_77".
const DASHED_V4 = /(?<![0-9])(\d{1,3})([-_])(\d{1,3})\2(\d{1,3})\2(\d{1,3})(?![0-9])/g;
// "0xc6124d4d": a 32-bit address in hex; nothing else a page shows looks like this.
const HEX_V4 = /(?<![0-9a-z])0x[0-9a-f]{8}(?![0-9a-f])/gi;

// "2001-db8--1.ipv6-literal.net": Windows' spelling of an IPv6 address as a host name.
const IPV6_LITERAL_NAME = /(?<![0-9a-z-])[0-9a-f-]{2,39}(?=(?:s[0-9a-z]+)?\.ipv6-literal\.net)/gi;

const octets = (...parts: string[]) => parts.every((p) => Number(p) <= 255);

function kept(address: string, keep: ReadonlySet<string>): boolean {
  const key = canonicalAddress(address);
  return key !== null && keep.has(key);
}

function scrubLiterals(text: string, keep: ReadonlySet<string>): string {
  if (!MAYBE_LITERAL.test(text)) return text;
  let out = text.replace(RUN, (token) => {
    if (!HAS_SEPARATOR.test(token)) return token;
    // Punctuation a sentence glues to an address ("from 198.51.100.7."), but "::1" keeps its colons.
    const tail = token.replace(/(?:[.:]|%3a)+$/gi, "");
    for (const core of [tail, tail.replace(/^(?:[.:]|%3a)+/gi, "")]) {
      const plain = core.replace(/%3a/gi, ":");
      if (isIP(plain) !== 0) return kept(plain, keep) ? token : token.replace(core, SCRUBBED);
    }
    // An IPv4 literal inside a longer run: "198.18.77.77:48666", "3D198.18.77.77" (after "%3D").
    return token.replace(DOTTED_V4, (m, a: string, b: string, c: string, d: string) =>
      octets(a, b, c, d) && !kept(`${+a}.${+b}.${+c}.${+d}`, keep) ? SCRUBBED : m);
  });
  out = out.replace(DASHED_V4, (m, a: string, _sep: string, b: string, c: string, d: string) =>
    octets(a, b, c, d) && !kept(`${+a}.${+b}.${+c}.${+d}`, keep) ? SCRUBBED : m);
  out = out.replace(IPV6_LITERAL_NAME, (m) => (isIP(m.replace(/-/g, ":")) === 6 && !kept(m.replace(/-/g, ":"), keep) ? SCRUBBED : m));
  return out.replace(HEX_V4, SCRUBBED);
}

/**
 * Scrubs one string: every form of the `known` addresses, then every IP literal not in `keep` (canonical
 * addresses, see canonicalAddress). A string with nothing to scrub comes back unchanged, byte for byte.
 */
export function scrubText(text: string, keep: ReadonlySet<string>, known: RegExp | null = null): string {
  const normalized = normalizeForScan(text);
  let out = known ? normalized.replace(known, SCRUBBED) : normalized;
  out = scrubLiterals(out, keep);
  return out === normalized ? text : out;
}

/** The addresses a measurement is about, canonical: DNS answers, resolvers, connected addresses. */
export function targetAddresses(m: Measurement): Set<string> {
  const known = new Set<string>();
  const add = (a: string | null | undefined) => {
    const key = a ? canonicalAddress(a.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1")) ?? canonicalAddress(a) : null;
    if (key) known.add(key);
  };
  for (const d of [...m.check.dns, ...(m.check.controlDns ? [m.check.controlDns] : [])]) {
    d.addresses.forEach(add);
    d.answers.forEach((a) => add(a.data));
    add(d.resolver);
  }
  m.check.tcp.forEach((t) => add(t.address));
  m.check.tls.forEach((t) => add(t.address));
  m.check.http?.hops.forEach((h) => add(h.address));
  add(m.throughput?.address);
  // The test helper the probe asked is this deployment's own control vantage abroad, named in its config.
  const helper = m.check.control?.helper;
  if (helper) {
    try {
      add(new URL(helper).hostname);
    } catch {
      // not a URL: nothing to keep
    }
  }
  return known;
}

/** Deep copy of a JSON value with every string (object keys too) passed through fn. */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fn(k), mapStrings(v, fn)]));
  }
  return value;
}

// Fields whose format is validated and which hold no free text: left alone so ids and times never change.
const STRUCTURAL = new Set(["version", "id", "startedAt", "receivedAt"]);

export interface ScrubOptions {
  /**
   * Addresses to scrub in every form from every field, evidence included (address-forms.ts regex).
   * Default: this machine's own interface addresses.
   */
  known?: RegExp | null;
}

/** A copy of the measurement with every free-text string scrubbed (see the file comment). */
export function scrubMeasurement(m: Measurement, opts: ScrubOptions = {}): Measurement {
  const known = opts.known === undefined ? ownAddressesRegex() : opts.known;
  const keep = targetAddresses(m);
  const scrub = (s: string) => scrubText(s, keep, known);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) out[k] = STRUCTURAL.has(k) ? v : mapStrings(v, scrub);
  return out as Measurement;
}
