// The server's registry of probes: who a probe is (role, region, network) comes from the configuration,
// never from what a probe uploads. A token is bound to one configured probe and its region; an upload
// speaks only for that probe, and the server writes the registry's role, region and network into it.
import type { KeepWatchConfig, ProbeConfig } from "../config/schema.js";
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

export class ProbeRegistry {
  private readonly probes = new Map<string, RegisteredProbe>();

  constructor(config: KeepWatchConfig) {
    for (const p of config.probes) this.probes.set(p.id, identityOf(config, p));
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
