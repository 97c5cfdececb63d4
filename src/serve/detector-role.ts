// The detector role while this process leads it: a fresh Detector (its in-memory caches start empty, so the
// first pass re-derives everything from the store the previous leader wrote) on a DetectorLoop. Every pass
// confirms the lease right before saving incidents: a leader deposed mid-pass (frozen, cut off from Redis)
// saves nothing, and the new leader's pass derives the same incidents with the same ids from the store.
import type { IncidentEventHub } from "../api/incident-events.js";
import type { AlertDispatcher } from "../alerts/dispatcher.js";
import type { KeepWatchConfig } from "../config/schema.js";
import { Detector } from "../detect/detector.js";
import { configuredProbesOf } from "../detect/roster.js";
import type { LeaderLease } from "../leader/lease.js";
import type { Logger } from "../log.js";
import type { Store } from "../store/store.js";
import { DetectorLoop } from "./detector-loop.js";
import type { RunningRole } from "./elected-role.js";

export interface DetectorRoleDeps {
  store: Store;
  config: KeepWatchConfig;
  hub: IncidentEventHub;
  /** Where opened/changed/closed events go to become alerts (idempotent job ids: a re-publish adds nothing). */
  dispatcher: AlertDispatcher;
  intervalMs: number;
  log: Logger;
  now?: () => Date;
}

export function startDetectorRole(deps: DetectorRoleDeps, lease: LeaderLease): RunningRole {
  const { config, log } = deps;
  const detector = new Detector({
    store: deps.store,
    config: config.detector,
    targetMinuteDays: config.retention.targetMinuteDays,
    regions: config.regions.map((r) => r.id),
    configuredProbes: configuredProbesOf(config),
    regionNames: Object.fromEntries(config.regions.map((r) => [r.id, r.names.en])),
    ...(deps.now ? { now: deps.now } : {}),
    beforeCommit: () => lease.assertLeading(),
    onEvent: (event) => {
      deps.hub.publish(event.incident);
      // Reminders come from the alert dispatcher's own durable schedule, not from the detector.
      if (event.type === "reminder") return;
      // Not awaited: a Redis outage must not stall detection (the dispatcher queues in order and retries).
      void deps.dispatcher
        .publish({ type: event.type, incident: event.incident, previousKind: event.previous?.kind ?? null, at: event.at })
        .catch((e: unknown) => log.error({ err: e, incident: event.incident.id }, "alert publish failed"));
    },
  });
  const loop = new DetectorLoop(detector, deps.intervalMs, log);
  loop.start();
  return { stop: () => loop.stop() };
}

/** Pass interval: half a detector window, at most a minute. */
export function detectorIntervalMs(config: KeepWatchConfig): number {
  return Math.min(60_000, config.detector.windowSeconds * 500);
}

/** serve.leaderLeaseSeconds, else 0.6 × the pass interval within 3–30 s: a takeover within one pass. */
export function leaderLeaseMs(config: KeepWatchConfig, passIntervalMs: number): number {
  if (config.serve.leaderLeaseSeconds !== undefined) return Math.round(config.serve.leaderLeaseSeconds * 1000);
  return Math.min(30_000, Math.max(3_000, Math.round(passIntervalMs * 0.6)));
}
