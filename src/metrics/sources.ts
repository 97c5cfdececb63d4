// What the scrape-time gauges read from. All optional: a worker process without a store still exposes its
// counters, and a server without Redis access simply has no queue series.
import type { KeepWatchConfig } from "../config/schema.js";
import type { LeadershipSource } from "../leader/status.js";
import type { Store } from "../store/store.js";

/** The part of a BullMQ Queue the metrics use (Queue.getJobCounts). */
export interface QueueCountSource {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** Results jobs accepted but not yet stored (ResultsBacklog). */
export interface ResultsBacklogSource {
  read(): Promise<{ jobs: number; oldestAcceptedAt: Date | null }>;
}

export interface MetricsSources {
  store?: Store;
  config?: KeepWatchConfig;
  queues?: QueueCountSource[];
  resultsBacklog?: ResultsBacklogSource;
  clock?: () => Date;
  /** Longest wait for one queue's counts at scrape (ms); a slow or lost Redis drops that queue's series. */
  queueTimeoutMs?: number;
  /** Window behind success ratios and region states (seconds); the API's regions view uses the same. */
  recentWindowSeconds?: number;
  /** Roles this process runs and the singleton roles it leads (keepwatch_role, keepwatch_leader). */
  leadership?: LeadershipSource;
}
