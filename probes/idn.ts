// Internationalised domain names go on the wire as punycode (яндекс.рф → xn--d1acpjx3f.xn--p1ai). Node's
// domainToASCII applies UTS #46 processing (lower-casing, mapping) exactly as URLs do, so the name we query
// is the name a browser would resolve.
import { isIP } from "node:net";
import { domainToASCII } from "node:url";

/**
 * The ASCII (punycode) form of a host name, lower-cased, without a trailing dot; IP literals come back
 * unchanged (IPv6 without brackets). Returns null for a name that cannot be a DNS name, so config validation
 * can reuse it.
 */
export function toAsciiHostname(name: string): string | null {
  let host = name.trim();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (isIP(host) !== 0) return host;
  if (host.endsWith(".")) host = host.slice(0, -1);
  const ascii = domainToASCII(host);
  if (ascii === "" || ascii.length > 253) return null;
  const labels = ascii.split(".");
  if (labels.some((label) => label.length === 0 || label.length > 63)) return null;
  return ascii;
}
