// Is the region's DNS answer consistent with the control's? OONI Web Connectivity rules (ooni.md §1.4),
// minus the ASN match (we have no ASN database here): a common address, or both sides failing, is
// consistent; a probe that failed while the control resolved, or bogon-only answers where the control has
// real ones, is not. "no_common_address" is the one verdict the caller may overturn: if a TLS handshake with
// the right SNI validates one of `probeOnly`, the answer was a CDN's, not a lie.
import { isIP } from "node:net";
import type { DnsResult } from "./types.js";

export type DnsComparisonReason =
  | "common_address"
  | "both_failed"
  | "probe_failed"
  | "control_failed"
  | "probe_bogons_only"
  | "no_common_address";

export interface DnsComparison {
  consistent: boolean;
  reason: DnsComparisonReason;
  /** Addresses both sides resolved. */
  common: string[];
  /** Addresses only the probe resolved: candidates for a TLS validity check. */
  probeOnly: string[];
}

/** One spelling per address, so "2001:0db8::1" and "2001:db8::1" compare equal. */
function canonical(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function compareWithControl(probe: DnsResult, control: DnsResult): DnsComparison {
  const probeAddresses = [...new Set(probe.addresses.map(canonical))];
  const controlAddresses = new Set(control.addresses.map(canonical));
  const common = probeAddresses.filter((a) => controlAddresses.has(a));
  const probeOnly = probeAddresses.filter((a) => !controlAddresses.has(a));
  const verdict = (consistent: boolean, reason: DnsComparisonReason): DnsComparison => ({ consistent, reason, common, probeOnly });

  // Failure is "no addresses", whatever the error string (ooni/probe#2290): NXDOMAIN on both sides, or
  // NXDOMAIN here and a timeout at the control, both mean the site is down rather than blocked.
  const probeFailed = probeAddresses.length === 0;
  const controlFailed = controlAddresses.size === 0;
  if (probeFailed && controlFailed) return verdict(true, "both_failed");
  if (probeFailed) return verdict(false, "probe_failed");
  if (controlFailed) return verdict(false, "control_failed");
  if (common.length > 0) return verdict(true, "common_address");
  const probeBogons = new Set(probe.bogons.map(canonical));
  const controlBogons = new Set(control.bogons.map(canonical));
  const probeAllBogons = probeAddresses.every((a) => probeBogons.has(a));
  const controlHasReal = [...controlAddresses].some((a) => !controlBogons.has(a));
  if (probeAllBogons && controlHasReal) return verdict(false, "probe_bogons_only");
  return verdict(false, "no_common_address");
}
