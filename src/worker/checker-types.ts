// Types shared by the site-checker builder (target-checker.ts), the thread pool (check-pool.ts) and the
// pool's threads (check-thread.ts). They live below all three so none imports another for a type: the pool
// starts threads with CheckerSettings and speaks ThreadRequest/ThreadReply with them.
import type { HelperEndpoint } from "../../probes/control-client.js";
import type { LocalAddress } from "../../probes/local-address.js";
import type { TargetConfig } from "../config/schema.js";
import type { TargetChecker } from "./run-checks.js";

/** `threads` as configured: a count, or "auto" for one per core but one (at least 1). */
export type ThreadsOption = number | "auto";

export interface CheckerSettings {
  resolver?: string;
  controlResolver?: string;
  /** Paths of extra CA bundles (PEM). */
  caFiles?: string[];
  notBogon?: string[];
  blockPageFiles?: string[];
  timeoutSeconds: number;
  throughputMaxBytes?: number;
  /** Measure throughput on every target, not only those marked `throughput: true`. */
  throughputAll?: boolean;
  /** Test helpers asked about each URL, in turn, in parallel with the check (tokens already resolved). */
  helpers?: HelperEndpoint[];
  /** Threads running checks: 1 (default) checks in this thread; "auto" one per core but one; a number up to the cores. */
  threads?: ThreadsOption;
  /**
   * Source addresses every socket of a check binds to (the agent's --measure-via); the test helpers are asked
   * the normal way (they are a report path, not part of what the measured network does). Needs a resolver.
   */
  localAddress?: LocalAddress;
}

/** What one target's check gives: the site check and, when asked, a throughput measurement. */
export type TargetCheckResult = Awaited<ReturnType<TargetChecker>>;

export interface ThreadRequest {
  id: number;
  target: TargetConfig;
}

export type ThreadReply =
  | { type: "ready" }
  /**
   * The result as JSON text: a string crosses the thread boundary as one copy, where structured clone of the
   * object walks every property on both sides (a 1.5 KB result: ≈ 30–70 µs of CPU, against ≈ 15–25 µs with
   * JSON.stringify and JSON.parse).
   * Results are stored and queued as JSON anyway, so nothing JSON cannot carry is lost.
   */
  | { type: "result"; id: number; json: string }
  /** Only for a checker that threw, which is a bug: network failures come back as results. */
  | { type: "error"; id: number; error: string };
