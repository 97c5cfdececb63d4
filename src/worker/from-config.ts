// Turns a configured probe into what the worker needs: its identity in Measurements and its checker
// settings (the region's own resolver, the trusted control resolver, bogon exceptions, fingerprints).
import type { KeepWatchConfig, ProbeConfig } from "../config/schema.js";
import { identityOf } from "../registry/probe-registry.js";
import type { ProbeIdentity } from "./run-checks.js";
import type { CheckerSettings } from "./checker-types.js";

export function findProbe(config: KeepWatchConfig, probeId: string, region?: string): ProbeConfig {
  const probe = config.probes.find((p) => p.id === probeId);
  if (!probe) throw new Error(`probe "${probeId}" is not in the configuration (probes: ${config.probes.map((p) => p.id).join(", ") || "none"})`);
  if (region !== undefined && probe.region !== region) {
    throw new Error(`probe "${probeId}" belongs to region ${probe.region}, not ${region}`);
  }
  return probe;
}

/** The worker measures as the registry says this probe is (role, region, network from the config). */
export function probeIdentity(config: KeepWatchConfig, probe: ProbeConfig): ProbeIdentity {
  return identityOf(config, probe);
}

export function checkerSettings(config: KeepWatchConfig, probe: ProbeConfig): CheckerSettings {
  return {
    resolver: probe.resolver,
    // The control vantage's own answers are the reference; comparing them with themselves proves nothing.
    controlResolver: probe.role === "control" ? undefined : config.resolvers.control,
    notBogon: config.bogonExceptions,
    caFiles: config.caFiles,
    blockPageFiles: config.blockPageFiles,
    timeoutSeconds: config.schedule.timeoutSeconds,
    throughputMaxBytes: config.schedule.throughputMaxBytes,
    threads: config.schedule.threads,
  };
}
