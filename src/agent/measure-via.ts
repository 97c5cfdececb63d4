// `keepwatch agent --measure-via IFACE|ADDRESS`: the probe's own sockets leave through one interface (a USB
// modem on the mobile network) while uploads, heartbeats, assignment fetches and test-helper calls go out
// the machine's normal route (the fixed line). So a mobile network that is cut keeps being reported on
// while it is cut. The interface's address is looked up at every round; sockets are bound to it and a
// policy route (README "Measuring through a second interface") sends bound traffic out of the modem.
//
// When the interface is gone, down or without an address, nothing is measured through another route: the
// round's measurements say so (verdict failure MEASURE_VIA_DOWN, Measurement.local.gateway "none"), which the
// server stores but never counts — an unplugged modem is the volunteer's outage, not the network's.
import { execFile } from "node:child_process";
import { isIP } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { bindAddressFor, type LocalAddress } from "../../probes/local-address.js";
import type { WebCheck } from "../../probes/types.js";
import type { LocalCheck } from "./local-check.js";
import type { TargetChecker } from "../worker/run-checks.js";

/** The verdict failure of a target not measured because the measured interface had no address. */
export const MEASURE_VIA_DOWN = "measure_via_down";

export type MeasureVia = { interface: string } | { address: string };

/** Parses the flag: an IP literal is an address, anything else an interface name (Linux: at most 15 chars). */
export function parseMeasureVia(text: string): MeasureVia {
  const value = text.trim();
  if (isIP(value) !== 0) return { address: value };
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(value)) {
    throw new Error(`--measure-via must be an interface name (e.g. wwan0) or an IP address, got "${text}"`);
  }
  return { interface: value };
}

export type ViaState = { up: true; local: LocalAddress } | { up: false; reason: string };

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** An address a socket can be bound to and routed from: not link-local (fe80::/10 needs a scope), not loopback. */
const routable = (a: NetworkInterfaceInfo) =>
  !a.internal && !(a.family === "IPv6" && /^fe[89ab]/i.test(a.address));

/**
 * The interface's current source addresses. `interfaces` is os.networkInterfaces(), which lists only
 * interfaces that are up and running: a modem unplugged or down is simply not there.
 */
export function resolveVia(via: MeasureVia, interfaces: Interfaces = networkInterfaces()): ViaState {
  if ("address" in via) {
    const present = Object.values(interfaces).some((list) => list?.some((a) => a.address === via.address));
    // The reason goes into logs and heartbeats: it names no address (it may be the volunteer's own).
    if (!present) return { up: false, reason: "no interface that is up has the --measure-via address" };
    return { up: true, local: isIP(via.address) === 6 ? { ipv4: null, ipv6: via.address } : { ipv4: via.address, ipv6: null } };
  }
  const list = interfaces[via.interface];
  if (!list) return { up: false, reason: `interface ${via.interface} is not there or is down` };
  const ipv4 = list.find((a) => a.family === "IPv4" && routable(a))?.address ?? null;
  const ipv6 = list.find((a) => a.family === "IPv6" && routable(a))?.address ?? null;
  if (ipv4 === null && ipv6 === null) return { up: false, reason: `interface ${via.interface} has no address` };
  return { up: true, local: { ipv4, ipv6 } };
}

/**
 * The interface the kernel sends a packet from `source` to `destination` out of (Linux `ip route get`):
 * "unreachable" when no route takes it (safe: nothing leaves), null when it cannot be asked (no iproute2).
 */
export function routeDevice(source: string, destination: string): Promise<string | "unreachable" | null> {
  return new Promise((resolve) => {
    execFile("ip", ["-o", "route", "get", destination, "from", source], { timeout: 2000 }, (err, stdout, stderr) => {
      if (err) {
        resolve((err as NodeJS.ErrnoException).code === "ENOENT" ? null
          : /unreachable|prohibited|No route/i.test(String(stderr)) ? "unreachable" : null);
        return;
      }
      resolve(/\bdev (\S+)/.exec(stdout)?.[1] ?? null);
    });
  });
}

/** Documentation addresses (RFC 5737, RFC 3849) only a default route reaches; a route lookup sends nothing. */
export const OFF_LINK_PROBES = { ipv4: "192.0.2.1", ipv6: "2001:db8::1" } as const;

/** Where a bound socket's packets would go, asked before each round (the policy route may be missing). */
export interface RouteCheck {
  /**
   * The measured network's resolver (every round talks to it). A destination only a default route reaches
   * (OFF_LINK_PROBES) is looked up too: a resolver on the modem's own link is reached without the policy route.
   */
  destination: string;
  lookup?: (source: string, destination: string) => Promise<string | "unreachable" | null>;
}

const sameAddress = (a: LocalAddress, b: LocalAddress) => a.ipv4 === b.ipv4 && a.ipv6 === b.ipv6;

/** How one round measures: a checker bound to the interface, or why it cannot. */
export interface RoundPath {
  /** Bound to the interface's address; null when it has none (then `failure` says why). */
  checker: TargetChecker | null;
  failure: string | null;
  /** The round's own-link state, recorded with each measurement (Measurement.local). */
  local: LocalCheck;
  /** False when the interface lost (or changed) the round's address while it ran: its results are not the network's. */
  unchanged(): boolean;
}

/** The measured interface across rounds: looks its address up each round and keeps a checker bound to it. */
export class MeasuredInterface {
  private bound: { local: LocalAddress; checker: TargetChecker } | null = null;

  constructor(
    readonly via: MeasureVia,
    /** Builds a checker bound to `local` (createTargetChecker with localAddress). */
    private readonly checkerFor: (local: LocalAddress) => Promise<TargetChecker>,
    private readonly interfaces: () => Interfaces = networkInterfaces,
    private readonly route: RouteCheck | null = null,
  ) {}

  /** The interface holding the round's source address for `destination`, by name. */
  private deviceOf(local: LocalAddress, destination: string): string | null {
    if ("interface" in this.via) return this.via.interface;
    const source = bindAddressFor(local, destination);
    const entry = Object.entries(this.interfaces()).find(([, list]) => list?.some((a) => a.address === source));
    return entry?.[0] ?? null;
  }

  /**
   * Why bound packets would not leave through the interface (the policy route is missing, or stale after the
   * modem got a new address): they would take the main table's default route and measure the fixed line.
   */
  private async misrouted(local: LocalAddress): Promise<string | null> {
    if (!this.route) return null;
    const lookup = this.route.lookup ?? routeDevice;
    const offLink = isIP(this.route.destination) === 6 ? OFF_LINK_PROBES.ipv6 : OFF_LINK_PROBES.ipv4;
    for (const destination of [this.route.destination, offLink]) {
      const source = bindAddressFor(local, destination);
      if (source === null) continue; // that family is unreachable from the interface anyway
      const dev = await lookup(source, destination);
      const expected = this.deviceOf(local, destination);
      if (dev === null || dev === "unreachable" || expected === null || dev === expected) continue;
      return `traffic from ${expected}'s address would leave through ${dev}: add the policy route for its current address ` +
        "(README \"Measuring through a second interface\")";
    }
    return null;
  }

  /** The interface's addresses now, for anything else that must go through it (null when down). */
  current(): LocalAddress | null {
    const state = resolveVia(this.via, this.interfaces());
    return state.up ? state.local : null;
  }

  async prepare(): Promise<RoundPath & { reason: string | null }> {
    const state = resolveVia(this.via, this.interfaces());
    if (!state.up) {
      return { checker: null, failure: MEASURE_VIA_DOWN, reason: state.reason, local: { gateway: "none", resolver: "unknown" },
        unchanged: () => true };
    }
    const misrouted = await this.misrouted(state.local);
    if (misrouted !== null) {
      return { checker: null, failure: MEASURE_VIA_DOWN, reason: misrouted, local: { gateway: "none", resolver: "unknown" },
        unchanged: () => true };
    }
    if (!this.bound || !sameAddress(this.bound.local, state.local)) {
      this.bound = { local: state.local, checker: await this.checkerFor(state.local) };
    }
    const { local } = state;
    // The resolver belongs to the measured network (a mobile operator's DNS failing is what a shutdown
    // looks like), so only the interface itself stands for the volunteer's own link here.
    return { checker: this.bound.checker, failure: null, reason: null, local: { gateway: "ok", resolver: "unknown" },
      unchanged: () => {
        const after = resolveVia(this.via, this.interfaces());
        return after.up && sameAddress(after.local, local);
      } };
  }
}

/** The site check of a target that was not measured because the measured interface was down. */
export function unmeasuredCheck(url: string, failure: string): WebCheck {
  return {
    url, dns: [], controlDns: null, tcp: [], tls: [], http: null, time: 0,
    verdict: { accessible: false, blocking: null, failure, determined: false },
  };
}
