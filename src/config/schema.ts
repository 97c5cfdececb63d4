// The configuration schema (YAML on disk, validated with zod at start). Every section has defaults so a
// small file is a valid one; `keepwatch config check` prints each error with its path.
// The larger sections live in ./schema-*.ts and are re-exported here, so importers keep one entry point.
import { z } from "zod";
import { serveConfigSchema } from "./roles.js";
import { alertChannelSchema } from "./schema-alerts.js";
import { detectorConfigSchema } from "./schema-detector.js";
import { helperConfigSchema, helperEndpointConfigSchema } from "./schema-helper.js";
import { redisConfigSchema, uploadLimitsSchema } from "./schema-redis-uploads.js";
import { serverConfigSchema } from "./schema-server.js";
import { storeConfigSchema } from "./schema-store.js";
import { networkConfigSchema, probeConfigSchema, regionConfigSchema, resolverAddressSchema, targetConfigSchema } from "./schema-topology.js";

export { alertChannelSchema, type AlertChannelConfig } from "./schema-alerts.js";
export { detectorConfigSchema, type DetectorConfig } from "./schema-detector.js";
export { helperConfigSchema, helperEndpointConfigSchema, type HelperConfig, type HelperEndpointConfig } from "./schema-helper.js";
export { redisConfigSchema, redisMemorySchema, uploadLimitsSchema, type RedisConfig, type UploadLimits } from "./schema-redis-uploads.js";
export { serverConfigSchema, type ServerConfig } from "./schema-server.js";
export { storeConfigSchema, type StoreConfig } from "./schema-store.js";
export {
  networkConfigSchema, probeConfigSchema, regionConfigSchema, resolverAddressSchema, targetConfigSchema,
  type NetworkConfig, type ProbeConfig, type RegionConfig, type TargetConfig,
} from "./schema-topology.js";

export const configSchema = z.object({
  /** ISO 3166-1 alpha-2 country whose whitelist/ files supply the default targets. */
  country: z.string().regex(/^[A-Z]{2}$/).default("KZ"),
  dataDir: z.string().default("./data"),
  server: serverConfigSchema.prefault({}),
  store: storeConfigSchema.prefault({}),
  redis: redisConfigSchema.prefault({}),
  /** Which roles `keepwatch serve` runs here, and the leader lease of the singleton ones (./roles.ts). */
  serve: serveConfigSchema.prefault({}),
  uploads: uploadLimitsSchema.prefault({}),
  regions: z.array(regionConfigSchema).default([]),
  /** Control vantages: outside the measured networks, used to tell site outages from blocking. */
  controls: z.array(z.object({ id: z.string().regex(/^[A-Z][A-Z0-9_-]{1,31}$/), name: z.string() })).default([]),
  networks: z.array(networkConfigSchema).default([]),
  probes: z.array(probeConfigSchema).default([]),
  resolvers: z
    .object({
      /** Resolver whose answers the region's are compared against (the control resolver). */
      control: resolverAddressSchema.optional(),
      trusted: z.array(resolverAddressSchema).default([]),
    })
    .prefault({}),
  targets: z
    .object({
      /** Take the country's whitelist/ files as targets. */
      fromWhitelist: z.boolean().default(true),
      /** Extra targets; a URL also in whitelist/ replaces that entry. */
      extra: z.array(targetConfigSchema).default([]),
      /** Limit whitelist/ entries per list, to keep small deployments light (0 = all). */
      maxPerList: z.number().int().min(0).default(0),
    })
    .prefault({}),
  schedule: z
    .object({
      /** node-cron expression (seconds field allowed). */
      cron: z.string().default("*/5 * * * *"),
      timeoutSeconds: z.number().min(1).max(120).default(10),
      /** Byte cap for throughput downloads. */
      throughputMaxBytes: z.number().int().min(1024).default(4 * 1024 * 1024),
      concurrency: z.number().int().min(1).max(256).default(8),
      /** Worker threads running site checks: unset or 1 = in-process; "auto" = one per core but one (at least 1); a number is capped at the cores. */
      threads: z.union([z.literal("auto"), z.number().int().min(1).max(256)]).optional(),
    })
    .prefault({}),
  detector: detectorConfigSchema.prefault({}),
  helper: helperConfigSchema.prefault({}),
  /** Test helpers (control vantages abroad) that workers ask about each URL, tried in turn. */
  helpers: z.array(helperEndpointConfigSchema).default([]),
  /** CIDRs not to treat as bogons (labs use 198.18.0.0/15). */
  bogonExceptions: z.array(z.string()).default([]),
  /** Extra CA bundles (PEM files) the probes trust, e.g. a lab's own CA. Replaces the system roots when set. */
  caFiles: z.array(z.string()).default([]),
  /** Extra block-page fingerprint files (YAML), added to the shipped ones. */
  blockPageFiles: z.array(z.string()).default([]),
  alerts: z
    .object({
      /** Re-send an open incident every this many minutes (0 = never). */
      reminderMinutes: z.number().min(0).default(0),
      channels: z.array(alertChannelSchema).default([]),
    })
    .prefault({}),
  retention: z
    .object({
      rawDays: z.number().min(1).default(30),
      /** Per-target and network hour rollups, and network minute rollups. */
      rollupDays: z.number().min(1).default(730),
      /**
       * Per-target minute rollups (one row per measurement at a 5-minute schedule: most of the rollup bytes).
       * At least detector.baselineHours / 24 rounded up (the detector reads them) and at most rollupDays;
       * the targets API reads hour rollups for a range that starts before this horizon. Checked in cross-check.ts.
       */
      targetMinuteDays: z.number().min(1).optional(),
    })
    // Unset: 30 days (the raw default), or rollupDays when that is shorter.
    .transform((r) => ({ ...r, targetMinuteDays: r.targetMinuteDays ?? Math.min(30, r.rollupDays) }))
    .prefault({}),
  /** When GET /readyz answers 503 (besides Redis or the store being down). */
  readiness: z
    .object({
      /** Pending results jobs (accepted, not yet stored). */
      maxBacklogJobs: z.number().int().min(1).default(10_000),
      /** Age of the oldest pending results job, seconds. */
      maxBacklogAgeSeconds: z.number().int().min(1).default(600),
      /** Deadline of each readiness check (Redis PING, backlog read). */
      checkTimeoutMs: z.number().int().min(50).max(30_000).default(1000),
    })
    .prefault({}),
});
export type KeepWatchConfig = z.infer<typeof configSchema>;
