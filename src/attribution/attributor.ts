// The server side of network attribution: names the network of the address a request came from and seals
// the answer (GET /agent/whoami, and the assignment and heartbeat answers), and judges the attributions
// uploaded measurements carry. The address is used for the lookup only and never leaves this call.
import type { Attribution, ProbeIdentity } from "../measurement.js";
import type { Store } from "../store/store.js";
import { IpToAsn, type AddressNetwork } from "./ip-to-asn.js";
import { AttributionSeal, loadSeal } from "./seal.js";

/** What an agent is told about its network. */
export interface NetworkAnswer extends AddressNetwork {
  confirmedAt: string;
  seal: string;
}

export class Attributor {
  private sealing: Promise<AttributionSeal> | null = null;

  constructor(
    private readonly store: Pick<Store, "getState" | "setState">,
    private readonly ipToAsn: IpToAsn,
  ) {}

  private seal(): Promise<AttributionSeal> {
    this.sealing ??= loadSeal(this.store).catch((err: unknown) => {
      this.sealing = null;
      throw err;
    });
    return this.sealing;
  }

  /** The network of `address` (null: unknown, e.g. an in-process request), sealed for `probeId`. */
  async answer(probeId: string, address: string | null, now: Date): Promise<NetworkAnswer> {
    const net = address === null ? { asn: null, asName: null, country: null } : await this.ipToAsn.lookup(address);
    const confirmedAt = now.toISOString();
    const seal = (await this.seal()).seal({ probeId, asn: net.asn, country: net.country, confirmedAt });
    return { ...net, confirmedAt, seal };
  }

  /** The attribution as the server judges it (verdict set here; an uploaded verdict is overwritten). */
  async judge(a: Attribution, probe: ProbeIdentity): Promise<Attribution> {
    if (a.status === "unattributed") return { ...a, verdict: "unattributed" };
    const sealed = a.seal !== null && a.confirmedAt !== null &&
      (await this.seal()).verify({ probeId: probe.probeId, asn: a.asn, country: a.country, confirmedAt: a.confirmedAt }, a.seal);
    if (!sealed) return { ...a, verdict: "unverified" };
    if (a.asn === null || probe.network.asn === null) return { ...a, verdict: "unknown" };
    return { ...a, verdict: a.asn === probe.network.asn ? "registered-network" : "other-network" };
  }
}
