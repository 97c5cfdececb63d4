// The server's registry of probes: who a probe is (role, region, network) comes from the configuration,
// never from what a probe uploads. A token is bound to one configured probe and its region; an upload
// speaks only for that probe, and the server writes the registry's role, region and network into it.
// Probes registered by enrollment (src/api/routes/enroll.ts) live in the store and are looked up there; a
// configured probe of the same id wins.
import type { KeepWatchConfig, ProbeConfig } from "../config/schema.js";
import type { EnrolledProbe } from "../store/store.js";
import type { ProbeIdentity } from "../measurement.js";
import { canonicalRegionId } from "../config/regions.js";
import { idProblem } from "../ids.js";

/** A probe as the server knows it. */
export type RegisteredProbe = ProbeIdentity;

/** A token or upload that speaks for nobody the registry knows; message is safe to show the caller. */
export class RegistryError extends Error {}

export function identityOf(config: KeepWatchConfig, probe: ProbeConfig): RegisteredProbe {
  const network = config.networks.find((n) => n.id === probe.network);
  return {
    probeId: probe.id,
    role: probe.role,
    region: probe.region,
    network: { id: probe.network, asn: network?.asn ?? null, kind: network?.kind ?? "unknown" },
  };
}

/** Where enrolled probes are found (the Store). */
export interface EnrolledProbes {
  getEnrolledProbe(id: string): Promise<EnrolledProbe | null>;
}

/** An enrolled probe's identity: role region; ASN and kind from the configured network, when there is one. */
export function identityOfEnrolled(config: KeepWatchConfig, probe: EnrolledProbe): RegisteredProbe {
  const network = config.networks.find((n) => n.id === probe.network);
  return {
    probeId: probe.id,
    role: "region",
    region: probe.region,
    network: { id: probe.network, asn: network?.asn ?? null, kind: network?.kind ?? "unknown" },
  };
}

export class ProbeRegistry {
  private readonly probes = new Map<string, RegisteredProbe>();

  constructor(
    private readonly config: KeepWatchConfig,
    private readonly enrolled?: EnrolledProbes,
  ) {
    for (const p of config.probes) this.probes.set(p.id, identityOf(config, p));
  }

  /** Who a stored token speaks for: a configured probe, else an enrolled one (same region checks). */
  async whoIs(token: { probeId: string; region: string }): Promise<RegisteredProbe> {
    if (this.probes.has(token.probeId) || !this.enrolled) return this.forToken(token);
    const probe = await this.enrolled.getEnrolledProbe(token.probeId);
    if (!probe) throw new RegistryError(`probe ${token.probeId} is neither configured nor enrolled on this server`);
    if (probe.region !== token.region) {
      throw new RegistryError(`token was issued for region ${token.region}; probe ${token.probeId} is enrolled for ${probe.region}`);
    }
    return identityOfEnrolled(this.config, probe);
  }

  /** The configured probe with this id, or null. */
  get(probeId: string): RegisteredProbe | null {
    return this.probes.get(probeId) ?? null;
  }

  /**
   * The probe a token may be issued for. Throws RegistryError when the id is malformed, the probe is not
   * configured, or a region is given that is not the configured one.
   */
  tokenTarget(probeId: string, region?: string): RegisteredProbe {
    const badId = idProblem("probe", probeId);
    if (badId) throw new RegistryError(badId);
    if (region !== undefined) {
      const badRegion = idProblem("region", region);
      if (badRegion) throw new RegistryError(badRegion);
    }
    const probe = this.get(probeId);
    if (!probe) {
      throw new RegistryError(`probe ${probeId} is not in the server's configuration; add it to probes: first`);
    }
    // Older Kazakh letter codes name the same region as the numeric ones the configuration holds.
    if (region !== undefined && canonicalRegionId(region) !== probe.region) {
      throw new RegistryError(`probe ${probeId} is configured for region ${probe.region}, not ${region}`);
    }
    return probe;
  }

  /** Who a stored token speaks for: the configured probe it is bound to, if it still exists there. */
  forToken(token: { probeId: string; region: string }): RegisteredProbe {
    const probe = this.get(token.probeId);
    if (!probe) throw new RegistryError(`probe ${token.probeId} is no longer in the server's configuration`);
    if (probe.region !== token.region) {
      throw new RegistryError(`token was issued for region ${token.region}; probe ${token.probeId} is now configured for ${probe.region}`);
    }
    return probe;
  }
}
