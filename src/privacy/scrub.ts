// Keeps a probe's own address out of what it reports. Block pages and middleboxes like to echo the
// client's IP — in a page title, a header, a redirect URL ("?ip=203.0.113.7") — and a volunteer's address
// must never be published. We cannot know our public address (there is no lookup service to trust during a
// shutdown), so, as OONI does, every IP literal in those free-text fields is replaced with "[scrubbed]",
// except the addresses the measurement is about: what DNS answered and what we connected to, which are
// facts about the target and the evidence a rights group needs.
import { isIP } from "node:net";
import type { HttpHop } from "../../probes/types.js";
import type { Measurement } from "../measurement.js";

export const SCRUBBED = "[scrubbed]";

// Candidate tokens: runs of hex digits, dots and colons. isIP() decides; times like 13:02:07 are not IPs.
const CANDIDATE = /[0-9A-Fa-f:.]{3,}/g;

function targetAddresses(m: Measurement): Set<string> {
  const known = new Set<string>();
  const add = (a: string | null | undefined) => a && known.add(a.toLowerCase());
  for (const d of [...m.check.dns, ...(m.check.controlDns ? [m.check.controlDns] : [])]) {
    d.addresses.forEach(add);
    d.answers.forEach((a) => add(a.data));
  }
  m.check.tcp.forEach((t) => add(t.address));
  m.check.tls.forEach((t) => add(t.address));
  m.check.http?.hops.forEach((h) => add(h.address));
  add(m.throughput?.address);
  return known;
}

export function scrubText(text: string, keep: ReadonlySet<string>): string {
  return text.replace(CANDIDATE, (token) => {
    // Trim punctuation a sentence may glue to an address ("from 198.51.100.7.").
    const core = token.replace(/^[.:]+|[.:]+$/g, "");
    if (isIP(core) === 0 || keep.has(core.toLowerCase())) return token;
    return token.replace(core, SCRUBBED);
  });
}

function scrubHop(hop: HttpHop, keep: ReadonlySet<string>): HttpHop {
  return {
    ...hop,
    url: scrubText(hop.url, keep),
    title: hop.title === null ? null : scrubText(hop.title, keep),
    headers: Object.fromEntries(Object.entries(hop.headers).map(([k, v]) => [k, scrubText(v, keep)])),
  };
}

/** A copy of the measurement with every IP literal that is not a target's address scrubbed from free text. */
export function scrubMeasurement(m: Measurement): Measurement {
  const http = m.check.http;
  if (!http) return m;
  const keep = targetAddresses(m);
  return {
    ...m,
    check: {
      ...m.check,
      http: { ...http, finalUrl: scrubText(http.finalUrl, keep), hops: http.hops.map((h) => scrubHop(h, keep)) },
    },
  };
}
