// This machine's own interface addresses, as one "every form" regex for the scrubber. A probe behind NAT
// does not see its public address, but its LAN, mobile or IPv6 (often globally routed, sometimes derived
// from the MAC) addresses are just as personal when a captive portal or proxy echoes them.
import { networkInterfaces } from "node:os";
import { addressFormsRegex, isAnonymousAddress, parseAddress } from "./address-forms.js";

// Addresses change (DHCP, a mobile link coming back), but not per measurement: re-read now and then.
const REFRESH_MS = 60_000;
let cached: { at: number; regex: RegExp | null } | null = null;

export function ownAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      const parsed = parseAddress(info.address);
      if (parsed && !isAnonymousAddress(parsed)) out.push(info.address);
    }
  }
  return out;
}

export function ownAddressesRegex(now = Date.now()): RegExp | null {
  if (cached === null || now - cached.at > REFRESH_MS) cached = { at: now, regex: addressFormsRegex(ownAddresses()) };
  return cached.regex;
}
