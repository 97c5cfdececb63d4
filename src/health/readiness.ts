// Readiness: whether this server should be sent uploads now. Liveness (/livez, /healthz) only says the
// process answers; readiness checks what an accepted upload depends on — Redis (it queues the upload),
// the store (it will hold it) and the results backlog (how far the store is behind). Each check has its
// own deadline, so a frozen Redis makes the report say "down" rather than hang.
import type { LeadershipSource } from "../leader/status.js";
import type { StoreHealth } from "../store/store.js";

export interface ReadinessBounds {
  /** Pending results jobs beyond which the server reports not ready. */
  maxBacklogJobs: number;
  /** Age of the oldest pending results job beyond which the server reports not ready. */
  maxBacklogAgeSeconds: number;
  /** Deadline of each check (Redis PING, backlog read). */
  checkTimeoutMs: number;
}

export interface ReadinessSources {
  /** Redis PING (any connection of the server's). */
  ping(): Promise<unknown>;
  store: { health(): Promise<StoreHealth> };
  backlog: { read(): Promise<{ jobs: number; oldestAcceptedAt: Date | null }> };
  /** The roles this process runs and which singleton roles it leads (reported, never a reason for 503). */
  leadership?: LeadershipSource;
}

export interface ReadinessReport {
  status: "ready" | "not_ready";
  checkedAt: string;
  /** The roles this process runs (`keepwatch serve --roles`). */
  roles?: string[];
  /** Per singleton role this process runs: true while it is the elected leader, false while it follows. */
  leader?: Record<string, boolean>;
  components: {
    redis: { status: "up" | "down"; latencyMs: number | null };
    /** "locked": readable, writes wait (uploads are still queued; the backlog grows). */
    store: { status: StoreHealth };
    resultsBacklog: {
      status: "ok" | "over" | "unknown";
      jobs: number | null;
      oldestAgeSeconds: number | null;
      maxJobs: number;
      maxAgeSeconds: number;
    };
  };
}

export class Readiness {
  constructor(private readonly sources: ReadinessSources, private readonly bounds: ReadinessBounds) {}

  async check(): Promise<ReadinessReport> {
    const timeout = this.bounds.checkTimeoutMs;
    const started = performance.now();
    const [pong, store, backlog] = await Promise.all([
      withTimeout(this.sources.ping(), timeout).then(() => performance.now() - started, () => null),
      this.sources.store.health().catch((): StoreHealth => "down"),
      withTimeout(this.sources.backlog.read(), timeout).catch(() => null),
    ]);
    // The wall clock, not a test clock: BullMQ stamps jobs with Date.now().
    const now = Date.now();
    const oldestAgeSeconds = backlog?.oldestAcceptedAt
      ? Math.max(0, Math.round((now - backlog.oldestAcceptedAt.getTime()) / 1000))
      : backlog ? 0 : null;
    const over = backlog !== null
      && (backlog.jobs > this.bounds.maxBacklogJobs || (oldestAgeSeconds ?? 0) > this.bounds.maxBacklogAgeSeconds);
    const components: ReadinessReport["components"] = {
      redis: { status: pong === null ? "down" : "up", latencyMs: pong === null ? null : Math.round(pong) },
      store: { status: store },
      resultsBacklog: {
        status: backlog === null ? "unknown" : over ? "over" : "ok",
        jobs: backlog?.jobs ?? null,
        oldestAgeSeconds,
        maxJobs: this.bounds.maxBacklogJobs,
        maxAgeSeconds: this.bounds.maxBacklogAgeSeconds,
      },
    };
    // A locked store still lets uploads be queued; the backlog bound decides when that has gone on too long.
    const ready = components.redis.status === "up" && store !== "down" && components.resultsBacklog.status === "ok";
    // A follower is as ready as a leader: it serves the same requests and takes over when needed.
    const roles = this.sources.leadership ? { roles: [...this.sources.leadership.roles], leader: this.sources.leadership.leading() } : {};
    return { status: ready ? "ready" : "not_ready", checkedAt: new Date(now).toISOString(), ...roles, components };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
