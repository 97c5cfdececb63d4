// The configuration schema (YAML on disk, validated with zod at start). Every section has defaults so a
// small file is a valid one; `keepwatch config check` prints each error with its path.
import { z } from "zod";
import { INCIDENT_KINDS } from "../detect/incident.js";
import { listSchema, networkKindSchema } from "../measurement.js";

/** "ip:port" or "ip" (port 53), IPv6 as "[::1]:53". */
export const resolverAddressSchema = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])(:\d{1,5})?$|^[0-9a-fA-F:]+$/, "resolver must be IP[:PORT]");

const localizedNamesSchema = z.object({ kk: z.string().min(1), ru: z.string().min(1), en: z.string().min(1) });

export const regionConfigSchema = z.object({
  /** ISO 3166-2 code; numeric ("KZ-75") and the older letter codes ("KZ-ALA") are both accepted. */
  id: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, "region id must look like KZ-75 or KZ-ALA"),
  names: localizedNamesSchema,
  /** Networks measured in this region (ids from `networks`). */
  networks: z.array(z.string()).default([]),
});

export const networkConfigSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "network id: lower-case letters, digits, dashes"),
  name: z.string().min(1),
  asn: z.number().int().positive().nullable().default(null),
  kind: networkKindSchema,
});

export const probeConfigSchema = z.object({
  id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, "probe id: letters, digits, _ . -"),
  /** Region id, or the id of a control vantage declared in `controls`. */
  region: z.string(),
  network: z.string(),
  role: z.enum(["region", "control"]).default("region"),
  /** local: `keepwatch serve` runs its worker in-process; remote: a worker or agent elsewhere. */
  mode: z.enum(["local", "remote"]).default("remote"),
  /** The resolver this probe's network hands out; system resolver when absent. */
  resolver: resolverAddressSchema.optional(),
});

export const targetConfigSchema = z.object({
  url: z.string().url(),
  list: listSchema,
  category: z.string().min(1).max(64),
  /** Measure throughput on this target (a fixed-size object URL). */
  throughput: z.boolean().default(false),
});

export const alertChannelSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("webhook"),
    name: z.string(),
    url: z.string().url(),
    /** HMAC-SHA256 key for the X-KeepWatch-Signature header. */
    secret: z.string().min(16),
    regions: z.array(z.string()).optional(),
    kinds: z.array(z.enum(INCIDENT_KINDS)).optional(),
    language: z.enum(["kk", "ru", "en"]).default("en"),
  }),
  z.object({
    type: z.literal("telegram"),
    name: z.string(),
    botToken: z.string().min(1),
    chatId: z.string().min(1),
    /** Bot API base, overridable for tests and self-hosted Bot API servers. */
    apiUrl: z.string().url().default("https://api.telegram.org"),
    regions: z.array(z.string()).optional(),
    kinds: z.array(z.enum(INCIDENT_KINDS)).optional(),
    language: z.enum(["kk", "ru", "en"]).default("ru"),
  }),
  z.object({
    type: z.literal("slack"),
    name: z.string(),
    url: z.string().url(),
    regions: z.array(z.string()).optional(),
    kinds: z.array(z.enum(INCIDENT_KINDS)).optional(),
    language: z.enum(["kk", "ru", "en"]).default("en"),
  }),
  z.object({
    type: z.literal("email"),
    name: z.string(),
    smtp: z.object({
      host: z.string(),
      port: z.number().int().min(1).max(65535).default(587),
      secure: z.boolean().default(false),
      user: z.string().optional(),
      pass: z.string().optional(),
    }),
    from: z.string().email(),
    to: z.array(z.string().email()).min(1),
    regions: z.array(z.string()).optional(),
    kinds: z.array(z.enum(INCIDENT_KINDS)).optional(),
    language: z.enum(["kk", "ru", "en"]).default("en"),
  }),
]);
export type AlertChannelConfig = z.infer<typeof alertChannelSchema>;

export const detectorConfigSchema = z.object({
  /** Width of one detector window (labs and tests go as low as 5 s; real deployments want minutes). */
  windowSeconds: z.number().int().min(5).default(300),
  /** Hysteresis: open after this many consecutive bad windows, close after this many good ones. */
  openAfter: z.number().int().min(1).default(2),
  closeAfter: z.number().int().min(1).default(2),
  /** Trailing history for the baseline, and how many windows of it are needed before judging. */
  baselineHours: z.number().min(1).default(168),
  warmupWindows: z.number().int().min(1).default(6),
  /** A list is "near zero" below this success ratio. */
  failRatio: z.number().min(0).max(1).default(0.1),
  /** A list keeps "its usual success" above baseline × this factor. */
  usualFactor: z.number().min(0).max(1).default(0.7),
  /** Throttling: throughput this many times lower (or TLS handshake this many times slower). */
  throttleFactor: z.number().min(1).default(5),
  /** A region is dark when none of its probes reported for this long while others did. */
  darkAfterSeconds: z.number().int().min(5).default(900),
  /** Minimum measurements in a window before it is judged at all. */
  minSamples: z.number().int().min(1).default(3),
});
export type DetectorConfig = z.infer<typeof detectorConfigSchema>;

export const configSchema = z.object({
  /** ISO 3166-1 alpha-2 country whose whitelist/ files supply the default targets. */
  country: z.string().regex(/^[A-Z]{2}$/).default("KZ"),
  dataDir: z.string().default("./data"),
  server: z
    .object({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Display zone for the dashboard; times in the API are always UTC. */
      timezone: z.string().default("Asia/Almaty"),
      /** sha256 hex of the admin bearer token (`keepwatch token hash`), or set KEEPWATCH_ADMIN_TOKEN. */
      adminTokenHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
      publicUrl: z.string().url().optional(),
      /**
       * CSP frame-ancestors of the embeddable widget (/embed/regions/ID): "*" lets any site embed it; list
       * origins ("https://news.example") to restrict. Each entry is one CSP source, no spaces or separators.
       */
      embedAncestors: z.array(z.string().regex(/^(\*|'self'|'none'|https?:\/\/[A-Za-z0-9.*-]+(:\d+)?)$/, "one CSP source: *, 'self', 'none' or an http(s) origin")).default(["*"]),
    })
    .prefault({}),
  redis: z.object({ url: z.string().optional() }).prefault({}),
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
      /** Worker threads running site checks: unset or 1 = in-process; "auto" = one per core; a number is capped at the cores. */
      threads: z.union([z.literal("auto"), z.number().int().min(1).max(256)]).optional(),
    })
    .prefault({}),
  detector: detectorConfigSchema.prefault({}),
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
      rollupDays: z.number().min(1).default(730),
    })
    .prefault({}),
});
export type KeepWatchConfig = z.infer<typeof configSchema>;
export type RegionConfig = z.infer<typeof regionConfigSchema>;
export type NetworkConfig = z.infer<typeof networkConfigSchema>;
export type ProbeConfig = z.infer<typeof probeConfigSchema>;
export type TargetConfig = z.infer<typeof targetConfigSchema>;
