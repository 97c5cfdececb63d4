// CIDR validation for `bogonExceptions`: a typo there silently turns a DNS-lie detector off for a range,
// so the prefix must parse and must not have host bits set.
import { isIPv4, isIPv6 } from "node:net";

function ipv4Bits(address: string): bigint {
  return address.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Bits(address: string): bigint {
  // Expand an embedded IPv4 tail ("::ffff:1.2.3.4") into two hextets first.
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const n = ipv4Bits(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}

/** null when `text` is a valid CIDR, otherwise why not. */
export function cidrProblem(text: string): string | null {
  const slash = text.indexOf("/");
  if (slash === -1) return `"${text}" is not a CIDR (expected ADDRESS/PREFIX, e.g. 198.18.0.0/15)`;
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (family === 0) return `"${address}" is not an IPv4 or IPv6 address`;
  const width = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > width) return `prefix "/${prefixText}" must be 0..${width}`;
  const prefix = BigInt(Number(prefixText));
  const bits = family === 4 ? ipv4Bits(address) : ipv6Bits(address);
  const hostMask = (1n << (BigInt(width) - prefix)) - 1n;
  if ((bits & hostMask) !== 0n) return `"${text}" has host bits set`;
  return null;
}
