// The DNS side of a site check beyond the first answer: which resolved addresses a check may connect to,
// what a control's "no such name" means (ghost DNS), and how a redirect hop's host is resolved — through the
// region's resolver, as the first host was, with the control resolver asked alongside so that a hop's DNS
// failure can be told from a name that is gone for everyone.
import { isIP } from "node:net";
import type { BogonMatcher } from "./bogons.js";
import { compareWithControl, probeDns } from "./dns.js";
import type { HopAddress } from "./http.js";
import type { LocalAddress } from "./local-address.js";
import type { DnsResult, Verdict } from "./types.js";

/** A redirect hop's host as the region's resolver and the control resolver (when there is one) answered. */
export interface HopDns {
  ours: DnsResult;
  control: DnsResult | null;
}

const LOOPBACK = ["127.0.0.0/8", "::1/128", "0.0.0.0/8", "::/128"];

/** True for loopback and "this host" addresses: what a DNS answer must never make the probe connect to. */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith("127.") || address.startsWith("0.");
  const a = address.toLowerCase();
  return a === "::1" || a === "::" || /^::ffff:(127|0)\./.test(a);
}

/**
 * The addresses a check connects to: all of them except loopback bogons. A loopback answer says all there is
 * to say (a lie, or a misconfigured site), and connecting would probe the volunteer's own machine. A range
 * declared not-bogon (a lab) is connected to as any other.
 */
export function connectable(addresses: readonly string[], bogons: BogonMatcher): string[] {
  return addresses.filter((a) => !(isLoopback(a) && bogons.isBogon(a)));
}

/** The control resolver says the name has no address at all (NXDOMAIN, or no A/AAAA): not a timeout. */
export function controlSaysNoSuchName(control: DnsResult): boolean {
  return control.addresses.length === 0 && (control.failure === "dns_nxdomain" || control.failure === "dns_no_answer");
}

export interface HopResolverOptions {
  resolver: string;
  controlResolver?: string;
  bogons: BogonMatcher;
  signal: AbortSignal;
  /** Source addresses the hop queries bind to (local-address.ts). */
  localAddress?: LocalAddress;
  /** Seconds left before the check's deadline. */
  remaining(): number;
  /** Every hop host resolved, in order: the check reports them and its verdict reads them. */
  record: HopDns[];
  /** The control resolver's answers still on their way (each fills its record's `control`); await before deciding. */
  controls: Promise<void>[];
}

/** A resolve function for probeHttp's redirect hops. */
export function hopResolver(o: HopResolverOptions): (host: string) => Promise<HopAddress> {
  return async (host) => {
    if (isIP(host)) return { address: host, failure: null };
    const opts = { timeoutSeconds: o.remaining(), bogons: o.bogons, signal: o.signal, localAddress: o.localAddress };
    const control = o.controlResolver ? probeDns(host, { ...opts, resolver: o.controlResolver }) : null;
    const ours = await probeDns(host, { ...opts, resolver: o.resolver });
    const entry: HopDns = { ours, control: null };
    o.record.push(entry);
    // The hop goes on as soon as our resolver answers; the control's answer matters only when ours failed.
    const filled = control?.then((c) => void (entry.control = c));
    const address = connectable(ours.addresses, o.bogons)[0];
    if (address !== undefined) {
      if (filled) o.controls.push(filled);
      return { address, failure: null };
    }
    await filled;
    if (ours.addresses.length > 0) return { address: null, failure: "dns_bogon" };
    return { address: null, failure: ours.failure ?? "dns_no_answer" };
  };
}

/** A redirect hop's host did not resolve for us: blocking "dns" when the control resolved it, down when not. */
export function hopDnsVerdict(hop: HopDns | undefined, failure: string): Verdict {
  if (!hop?.control) return { accessible: false, blocking: "dns", failure, determined: false };
  if (hop.control.addresses.length === 0 || compareWithControl(hop.ours, hop.control).consistent) {
    return { accessible: false, blocking: null, failure, determined: true }; // gone (or loopback) for the control too
  }
  return { accessible: false, blocking: "dns", failure, determined: true };
}
