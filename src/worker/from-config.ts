// Turns a configured probe into what the worker needs: its identity in Measurements and its checker
// settings (the region's own resolver, the trusted control resolver, bogon exceptions, fingerprints).
import type { HelperEndpoint } from "../../probes/control-client.js";
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

/** The configured helpers with their tokens read from the environment (a missing variable: no token). */
export function helperEndpoints(config: KeepWatchConfig, env: NodeJS.ProcessEnv = process.env): HelperEndpoint[] {
  return config.helpers.map((h) => {
    const token = h.tokenEnv ? env[h.tokenEnv]?.trim() : undefined;
    return { url: h.url, ...(token ? { token } : {}) };
  });
}

export function checkerSettings(config: KeepWatchConfig, probe: ProbeConfig): CheckerSettings {
  return {
    // A control vantage is the control itself: asking a helper about what it sees proves nothing more.
    helpers: probe.role === "control" ? [] : helperEndpoints(config),
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
