// The agent's own connectivity, checked before each round: is the default gateway there, does the local
// resolver answer? When either fails the round says so (Measurement.local) and the server keeps it but
// never counts it: a volunteer's Wi-Fi going down is not a shutdown. Both checks are control-independent
// (nothing leaves the local link but one DNS query to the configured resolver) and never throw.
import { createSocket } from "node:dgram";
import { readFile } from "node:fs/promises";
import { Socket } from "node:net";
import { randomInt } from "node:crypto";

/** ok: answered; unreachable: did not; none: not there at all (no default route, no resolver); unknown: not checkable here. */
export type LocalState = "ok" | "unreachable" | "none" | "unknown";
export interface LocalCheck {
  gateway: LocalState;
  resolver: LocalState;
}

export interface LocalCheckOptions {
  /** Linux routing table (default /proc/net/route). */
  routeFile?: string;
  /** Resolver configuration (default /etc/resolv.conf); ignored when `resolver` is given. */
  resolvConf?: string;
  /** The resolver the agent measures with ("ip" or "ip:port"), if configured. */
  resolver?: string;
  /** TCP port tried on the gateway: an answer of any kind (even a refusal) shows it is there. Default 53. */
  gatewayPort?: number;
  /** One deadline per check. Default 2000 ms. */
  timeoutMs?: number;
}

/**
 * The default route from a /proc/net/route table: the gateway's IPv4 address, "direct" for a default
 * route straight onto a link (a PPP or tethered modem has no gateway to ask), or null when there is none.
 */
export function defaultGateway(routeTable: string): string | "direct" | null {
  for (const line of routeTable.split("\n").slice(1)) {
    const [, destination, gateway, flags] = line.trim().split(/\s+/);
    if (destination !== "00000000" || !gateway || !flags || (Number.parseInt(flags, 16) & 0x1) === 0) continue;
    if ((Number.parseInt(flags, 16) & 0x2) === 0) return "direct";
    const n = Number.parseInt(gateway, 16); // little-endian hex
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join(".");
  }
  return null;
}

/** First nameserver of a resolv.conf. */
export function firstNameserver(resolvConf: string): string | null {
  const m = /^\s*nameserver\s+(\S+)/m.exec(resolvConf);
  return m?.[1] ?? null;
}

function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    // A refusal is an answer: the gateway is there. Unreachable or silent is not.
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" || e.code === "ECONNRESET"));
    socket.connect(port, host);
  });
}

/** Any DNS answer (even REFUSED or NXDOMAIN) to a query for "." NS, with our id, within the deadline. */
function dnsAnswers(server: string, timeoutMs: number): Promise<boolean> {
  const v6 = /^\[(.+)\](?::(\d+))?$/.exec(server);
  const [host, port] = v6 ? [v6[1] ?? "", Number(v6[2] ?? 53)] : server.includes(":") && server.split(":").length === 2
    ? [server.split(":")[0] ?? "", Number(server.split(":")[1])] : [server, 53];
  const id = randomInt(0, 65536);
  // Header (id, RD, 1 question) + root name + type NS + class IN.
  const query = Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1]);
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("message", (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) done(true);
    });
    socket.on("error", () => done(false));
    socket.send(query, port, host, (e) => {
      if (e) done(false);
    });
  });
}

export async function checkLocal(o: LocalCheckOptions = {}): Promise<LocalCheck> {
  const timeoutMs = o.timeoutMs ?? 2000;
  const read = (path: string): Promise<string> => readFile(path, "utf8").catch(() => "");
  const routes = await read(o.routeFile ?? "/proc/net/route");
  // No routing table to read (not Linux): the gateway cannot be checked here, which is not a failure.
  const gatewayIp = routes === "" ? "unknown" : defaultGateway(routes);
  const resolver = o.resolver ?? firstNameserver(await read(o.resolvConf ?? "/etc/resolv.conf"));
  const [gateway, dns] = await Promise.all([
    gatewayIp === null ? Promise.resolve<LocalState>("none")
      : gatewayIp === "unknown" || gatewayIp === "direct" ? Promise.resolve<LocalState>(gatewayIp === "direct" ? "ok" : "unknown")
      : tcpAnswers(gatewayIp, o.gatewayPort ?? 53, timeoutMs).then((ok): LocalState => (ok ? "ok" : "unreachable")),
    resolver === null ? Promise.resolve<LocalState>("none")
      : dnsAnswers(resolver, timeoutMs).then((ok): LocalState => (ok ? "ok" : "unreachable")),
  ]);
  return { gateway, resolver: dns };
}
