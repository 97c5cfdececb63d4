// The source address a measurement's sockets are bound to (`keepwatch agent --measure-via`): with a policy
// route for that address, everything the probe sends leaves through one interface (a USB modem on the
// mobile network) while the rest of the machine keeps its default route. A destination of a family the
// interface has no address for is unreachable from it: the probe reports that instead of letting the kernel
// pick another route (and another network) for the socket.
import { isIP } from "node:net";

/** One source address per family; null when the measured interface has none of that family. */
export interface LocalAddress {
  ipv4: string | null;
  ipv6: string | null;
}

/** The bind address for a socket to `host` (an IP literal): a string, or null when the family has none. */
export function bindAddressFor(local: LocalAddress, host: string): string | null {
  return isIP(host.replace(/^\[|\]$/g, "")) === 6 ? local.ipv6 : local.ipv4;
}

/** A LocalAddress holding one address (its family's slot); throws a TypeError for anything but an IP literal. */
export function localAddressOf(ip: string): LocalAddress {
  const family = isIP(ip);
  if (family === 0) throw new TypeError(`expected an IP address, got "${ip}"`);
  return family === 6 ? { ipv4: null, ipv6: ip } : { ipv4: ip, ipv6: null };
}

/**
 * What a socket to `host` gets: `{}` without a local address (the kernel chooses), `{ localAddress }` bound,
 * or null when it must not be opened at all (no source address of that family on the measured interface).
 */
export function socketSource(local: LocalAddress | undefined, host: string): { localAddress?: string } | null {
  if (!local) return {};
  const address = bindAddressFor(local, host);
  return address === null ? null : { localAddress: address };
}
