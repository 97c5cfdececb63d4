// What the agent's network looks like from the inside: its local addresses and the source address the
// kernel picks for the route to the server. When that changes (a mobile modem dropped and the laptop fell
// back to home Wi-Fi, a new DHCP lease, a VPN came up), what the server last said about the network no
// longer holds. Only a sha256 fingerprint is kept: the addresses themselves are never stored or logged.
import { createHash } from "node:crypto";
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

export interface FingerprintOptions {
  /** The server's host name or address (the route to it is part of the fingerprint). */
  serverHost: string;
  /**
   * The local address the agent measures through (--measure-via), if any: then only the interface that
   * holds it counts, and whether it still holds it.
   */
  localAddress?: string;
  /** Injected in tests; os.networkInterfaces() otherwise. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Deadline for resolving the server's name and for the route check (ms). Default 2000. */
  timeoutMs?: number;
}

/**
 * The source address of the route to `address` (a connected UDP socket sends nothing), "none" when there
 * is no route, never throws.
 */
export function routeSource(address: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(address) === 6 ? "udp6" : "udp4");
    let settled = false;
    const done = (v: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(v);
    };
    const timer = setTimeout(() => done("none"), timeoutMs);
    socket.on("error", () => done("none"));
    socket.connect(443, address, () => {
      try {
        done(socket.address().address);
      } catch {
        done("none");
      }
    });
  });
}

/** Resolves the server once and keeps its last known address: offline, the route to it still says something. */
export class NetworkWatch {
  private serverAddress: string | null;

  constructor(private readonly o: FingerprintOptions) {
    const host = o.serverHost.replace(/^\[|\]$/g, "");
    this.serverAddress = isIP(host) ? host : null;
  }

  private async server(): Promise<string | null> {
    const host = this.o.serverHost.replace(/^\[|\]$/g, "");
    if (isIP(host)) return host;
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), this.o.timeoutMs ?? 2000).unref());
    const found = await Promise.race([lookup(host).then((a) => a.address).catch(() => null), timeout]);
    if (found) this.serverAddress = found;
    return this.serverAddress;
  }

  /** sha256 over the local addresses (or the measured interface's) and the route's source address. */
  async fingerprint(): Promise<string> {
    const all = (this.o.interfaces ?? networkInterfaces)();
    let addresses: string[];
    let route: string;
    if (this.o.localAddress !== undefined) {
      const holder = Object.values(all).find((list) => list?.some((i) => i.address === this.o.localAddress));
      addresses = holder ? holder.map((i) => i.address) : ["<measured address gone>"];
      route = "bound";
    } else {
      addresses = Object.values(all).flatMap((list) => (list ?? []).filter((i) => !i.internal).map((i) => i.address));
      const server = await this.server();
      route = server === null ? "unknown" : await routeSource(server, this.o.timeoutMs);
    }
    return createHash("sha256").update(JSON.stringify([[...new Set(addresses)].sort(), route])).digest("hex");
  }
}
