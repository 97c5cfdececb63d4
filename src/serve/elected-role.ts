// Runs one singleton role (detector, scheduler, alerts) only while this process leads it: a LeaderLease on
// its own fail-fast Redis connection, the role started when elected and stopped when demoted or at exit.
// A role that fails to start gives its leadership back so another candidate can take it.
import type { SingletonRole } from "../config/roles.js";
import { LeaderLease } from "../leader/lease.js";
import type { Logger } from "../log.js";
import { createRedisConnection } from "../queue/connection.js";

export interface RunningRole {
  stop(): Promise<void>;
}

export interface ElectedRole {
  lease: LeaderLease;
  /** Stops the role if it runs, releases the lease and closes its connection. */
  stop(): Promise<void>;
}

export function electRole(o: {
  role: SingletonRole;
  redisUrl: string;
  ttlMs: number;
  log: Logger;
  /** Starts the role for this leadership; the lease is there for confirm() before once-only work. */
  start: (lease: LeaderLease) => Promise<RunningRole>;
}): ElectedRole {
  // Commands time out well inside the lease, so a frozen Redis cannot stall a renewal past it.
  const redis = createRedisConnection(o.redisUrl, "producer", { commandTimeoutMs: Math.max(200, Math.floor(o.ttlMs / 4)) });
  redis.on("error", () => undefined); // A lost connection shows as failed renewals, then as a demotion.
  let running: RunningRole | null = null;
  const lease: LeaderLease = new LeaderLease({
    redis,
    role: o.role,
    ttlMs: o.ttlMs,
    log: o.log,
    onElected: async () => {
      try {
        running = await o.start(lease);
      } catch (err) {
        o.log.error({ err, role: o.role }, "elected, but the role failed to start; resigning");
        await lease.resign();
      }
    },
    onDemoted: async () => {
      const r = running;
      running = null;
      await r?.stop();
    },
  });
  lease.start();
  return {
    lease,
    stop: async () => {
      await lease.stop();
      redis.disconnect();
    },
  };
}
