// What createApp needs, passed in so tests (and the CLI) build the app from real parts without globals.
import type { KeepWatchConfig, TargetConfig } from "../config/schema.js";
import type { Measurement } from "../measurement.js";
import type { Metrics } from "../metrics/metrics.js";
import type { ProbeRegistry } from "../registry/probe-registry.js";
import type { ReadinessReport } from "../health/readiness.js";
import type { Store } from "../store/store.js";
import type { Attributor } from "../attribution/attributor.js";
import type { ErrorReporter } from "./errors.js";
import type { IncidentEvents } from "./incident-events.js";

export type Clock = () => Date;

/** Whether the results queue can take an upload now (e.g. Redis below its memory high-water mark). */
export type QueueRoom = () => Promise<{ ok: true } | { ok: false; reason: string; retryAfterMs: number }>;

export interface AppDeps {
  store: Store;
  config: KeepWatchConfig;
  metrics: Metrics;
  /** Hands accepted uploads to the results queue (ResultsProducer.add). */
  enqueueResults: (measurements: Measurement[]) => Promise<void>;
  /** Incident changes for the SSE stream (an IncidentEventHub in-process, or a StoreIncidentPoller). */
  incidentEvents: IncidentEvents;
  clock?: Clock;
  /** Plain admin token; falls back to KEEPWATCH_ADMIN_TOKEN. config.server.adminTokenHash is checked too. */
  adminToken?: string;
  /** Where unexpected errors go (a pino logger's error, say). Never receives client addresses. */
  reportError?: ErrorReporter;
  /** What GET /readyz reports (a Readiness); without it, /readyz checks the store only. */
  readiness?: { check(): Promise<ReadinessReport> };
  /** Checked before an upload's body is read; a 'no' (or a throw) answers 503. Unset = always room. */
  queueRoom?: QueueRoom;
  /** Aborted when the server begins to stop: long-lived responses (SSE) end so the listener can close. */
  shutdown?: AbortSignal;
  /** Targets agents are assigned (GET /agent/assignment); built from the configuration when unset. */
  targets?: TargetConfig[];
  /** Names agents' networks (whoami) and judges uploaded attributions; built from the config when unset. */
  attributor?: Attributor;
  /** Tunables with sane defaults; tests shorten them. */
  options?: Partial<ApiOptions>;
  /** What every dashboard page says at its top: a demo, or a local probe waiting for its location. */
  siteNotice?: SiteNotice;
}

export interface SiteNotice {
  /** `keepwatch serve --demo`: synthetic data, nothing measured. */
  demo: boolean;
  /** A plain sentence for the operator (e.g. the local probe is not measuring until confirmed), or null. */
  text: string | null;
}

export interface ApiOptions {
  /** The "recent" window behind region ratios and states (seconds). */
  recentWindowSeconds: number;
  /** How long one computed regions view is reused (ms); 0 recomputes per request. */
  regionsCacheMs: number;
  /** How long one computed timeline (same region, range and bucket) is reused (ms); 0 disables. */
  timelineCacheMs: number;
  /** Upload body cap in bytes. */
  maxUploadBytes: number;
  /** How often the SSE stream re-checks region states when no incident event arrives (ms). */
  regionsRefreshMs: number;
  /** SSE keep-alive comment interval (ms). */
  keepAliveMs: number;
  /** Longest range one export request may cover (days). */
  maxExportDays: number;
}

export const DEFAULT_API_OPTIONS: ApiOptions = {
  recentWindowSeconds: 15 * 60,
  regionsCacheMs: 1_000,
  timelineCacheMs: 1_000,
  maxUploadBytes: 5 * 1024 * 1024,
  regionsRefreshMs: 30_000,
  keepAliveMs: 25_000,
  maxExportDays: 31,
};

/** AppDeps with every optional part filled in; what route factories receive. */
export interface ResolvedDeps extends Omit<AppDeps, "clock" | "options" | "reportError" | "attributor"> {
  clock: Clock;
  attributor: Attributor;
  /** Who each configured probe is (role, region, network): the authority for uploads and tokens. */
  registry: ProbeRegistry;
  options: ApiOptions;
  reportError: ErrorReporter;
}
