// The configuration schema (YAML on disk, validated with zod at start). Every section has defaults so a
// small file is a valid one; `keepwatch config check` prints each error with its path.
import { z } from "zod";
import { serveConfigSchema } from "./roles.js";
import { INCIDENT_KINDS } from "../incident.js";
import { networkIdSchema, probeIdSchema } from "../ids.js";
import { cidrProblem } from "./cidr.js";
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
  /** The region's own IANA zone for alerts' local times (default: server.timezone), e.g. "Asia/Aqtau". */
  timezone: z.string().refine((tz) => { try { new Intl.DateTimeFormat("en", { timeZone: tz }); return true; } catch { return false; } }, "not an IANA time zone").optional(),
});

export const networkConfigSchema = z.object({
  id: networkIdSchema,
  name: z.string().min(1),
  asn: z.number().int().positive().nullable().default(null),
  kind: networkKindSchema,
});

export const probeConfigSchema = z.object({
  id: probeIdSchema,
  /** Region id, or the id of a control vantage declared in `controls`. */
  region: z.string(),
  network: z.string(),
  role: z.enum(["region", "control"]).default("region"),
  /** local: `keepwatch serve` runs its worker in-process; remote: a worker or agent elsewhere. */
  mode: z.enum(["local", "remote"]).default("remote"),
  /** The resolver this probe's network hands out; system resolver when absent. */
  resolver: resolverAddressSchema.optional(),
  /**
   * A local probe measures only once someone said where the machine is. The shipped config sets false, so a
   * fresh `npm start` never records this machine's internet as some region's; `keepwatch setup` confirms it
   * (src/serve/site-setup.ts). Hand-written configs mean what they say: true unless given.
   */
  confirmed: z.boolean().default(true),
});

export const targetConfigSchema = z.object({
  url: z.string().url(),
  list: listSchema,
  category: z.string().min(1).max(64),
  /** Measure throughput on this target (a fixed-size object URL). */
  throughput: z.boolean().default(false),
});

/** A channel with "confirmed" hears of an incident only once it is confirmed (≥ 2 probes or networks agree). */
const minConfidenceSchema = z.enum(["suspected", "confirmed"]).optional(); // absent: "suspected" (everything)

export const alertChannelSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("webhook"),
    name: z.string(),
    url: z.string().url(),
    /** HMAC-SHA256 key for the X-KeepWatch-Signature header. */
    secret: z.string().min(16),
    regions: z.array(z.string()).optional(),
    kinds: z.array(z.enum(INCIDENT_KINDS)).optional(),
    minConfidence: minConfidenceSchema,
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
    minConfidence: minConfidenceSchema,
    language: z.enum(["kk", "ru", "en"]).default("ru"),
  }),
  z.object({
    type: z.literal("slack"),
    name: z.string(),
    url: z.string().url(),
    regions: z.array(z.string()).optional(),
    kinds: z.array(z.enum(INCIDENT_KINDS)).optional(),
    minConfidence: minConfidenceSchema,
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
    minConfidence: minConfidenceSchema,
    language: z.enum(["kk", "ru", "en"]).default("en"),
  }),
]);
export type AlertChannelConfig = z.infer<typeof alertChannelSchema>;

/** A CIDR with no host bits set: a typo in an SSRF exception must not open a wider range than meant. */
const cidrSchema = z.string().superRefine((v, ctx) => {
  const problem = cidrProblem(v);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
});

/** The test helper (`keepwatch helper`, or mounted in `serve` with enabled: true): a control vantage abroad. */
export const helperConfigSchema = z.object({
  /** Mount the helper inside `keepwatch serve` at POST /api/v1/control. */
  enabled: z.boolean().default(false),
  /** Bind address and port of the standalone `keepwatch helper`. */
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8090),
  /** Ranges the SSRF policy lets through despite being private/bogon: a lab's 198.18.0.0/15. Never in production. */
  allowRanges: z.array(cidrSchema).default([]),
  /** sha256 hex of accepted probe tokens (`keepwatch token hash`); inside `serve` the store's tokens are accepted too. */
  tokenHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/, "sha256 hex (64 lower-case hex digits)")).default([]),
  /** The helper's resolver (IP[:PORT]); the system resolver when absent. */
  resolver: resolverAddressSchema.optional(),
  /** CA bundles (PEM) the helper trusts instead of the system roots (labs only). */
  caFiles: z.array(z.string()).default([]),
  /** Time budget of one control request (a probe may ask for less). */
  budgetSeconds: z.number().min(1).max(60).default(15),
  /** Body bytes the helper reads per hop. */
  maxBodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** Largest request body accepted. */
  maxRequestBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  /** Control requests measured at once; more get 503. */
  maxConcurrent: z.number().int().min(1).max(1024).default(32),
  rateLimit: z.object({
    perMinute: z.number().min(1).default(60),
    burst: z.number().int().min(1).default(20),
  }).prefault({}),
});
export type HelperConfig = z.infer<typeof helperConfigSchema>;

/** Test helpers a worker asks, in turn; the token comes from the environment variable named (never the file). */
export const helperEndpointConfigSchema = z.object({
  url: z.string().url().refine((u) => /^https?:$/.test(new URL(u).protocol), "helper URL must be http(s)"),
  tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "environment variable name").optional(),
});
export type HelperEndpointConfig = z.infer<typeof helperEndpointConfigSchema>;

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

  // --- Classification and bounds (issue #8: blocking, whitelist, throttling, control, bounds) ---
  /** A target "usually works" (and can therefore be found blocked) when its baseline success is at least this. */
  usuallyWorks: z.number().min(0).max(1).default(0.5),
  /** The control vantage sees a site as down (an outage, not blocking) below this success ratio. */
  controlDown: z.number().min(0).max(1).default(0.5),
  /**
   * A lone target is blocked after this many consecutive failed measurements with a blocking verdict
   * (counted per probe across windows, summed over the network's probes). Replaces "3 failures inside one
   * window", which one probe at one measurement per window never reaches.
   */
  blockAfter: z.number().int().min(1).default(2),
  /** A noisy target (it fails now and then even when fine) needs a longer run, up to this many. */
  blockAfterMax: z.number().int().min(1).default(4),
  /**
   * The chance per network window that noise alone makes any of its judged targets look blocked; each of
   * N judged targets gets blockFalseRate / N. The run a target needs is the shortest (between blockAfter
   * and blockAfterMax) whose chance under the target's usual failure rate alone is below that share.
   */
  blockFalseRate: z.number().gt(0).max(1).default(1e-5),
  /** A category counts as blocked in one window when at least this share of its (≥ 2) targets fail. */
  categoryShare: z.number().min(0).max(1).default(0.8),
  /** A blocked set is DNS interference when at least this share of its failures were DNS-layer blocking. */
  dnsShare: z.number().min(0).max(1).default(0.8),
  /** A list is "cut" when its success falls to at most this share of its usual success (whitelist-only, full shutdown). */
  cutShare: z.number().min(0).max(1).default(0.25),
  /** Whole-list verdicts (full shutdown, whitelist-only) need at least this share of each list's usual targets measured in the window. */
  listCoverage: z.number().min(0).max(1).default(0.75),
  /** Confirmed needs the control vantage to have measured at least this share of the affected targets (same or adjacent window). */
  controlCoverage: z.number().min(0).max(1).default(0.8),
  /** A target slower from the control too (by this factor against the control's usual) is a slow server, not throttling. */
  controlSlowFactor: z.number().min(1).default(2),
  /**
   * Hourly performance baselines: an hour of the week needs history from this many different weeks (else
   * the hour of the day, from this many different days; else the overall median).
   */
  hourlyMinPeriods: z.number().int().min(2).default(3),
  /** The first windows of a network's history are start-up load: left out of performance baselines. */
  startupWindows: z.number().int().min(0).default(2),
  /** Recompute a warmed-up baseline at most this often (seconds; it reads baselineHours of rollups). */
  baselineRefreshSeconds: z.number().int().min(1).default(3600),
  /** Bad windows further apart than this many windows are separate runs, never one incident. */
  maxGapWindows: z.number().int().min(1).default(3),

  // ── Darkness, cadence, retirement, clock skew, prior (README "Detector") ──
  /**
   * What is usual without clean history: "works" (default) — targets usually work when the control
   * reaches them, so a region whitelist-only since deployment is still called whitelist_only; "none" —
   * nothing is judged until warmupWindows clean windows exist (the regime becomes the baseline).
   */
  prior: z.enum(["works", "none"]).default("works"),
  /** A network is dark only after max(darkAfterSeconds, cadenceFactor × its probes' slowest cadence) of silence. */
  cadenceFactor: z.number().min(1).default(3),
  /** Added to that threshold: how late a probe's results may normally arrive (upload, queues, a throttled link). */
  uploadGraceSeconds: z.number().int().min(0).default(120),
  /** A probe silent this long is retired: it no longer counts for its network's darkness. */
  retireAfterSeconds: z.number().int().min(60).default(7 * 86_400),
  /** Probes retired by hand (moved, switched off for good): they never count for darkness. */
  retiredProbes: z.array(z.string()).default([]),
  /** A measurement stamped more than this after it was first seen (from the future), or a reported offset beyond it, marks its probe's clock as skewed. */
  skewToleranceSeconds: z.number().int().min(1).default(300),
  /** A measurement stamped more than this before it was first seen (far past) is not trusted for silence or revisions. */
  maxLateSeconds: z.number().int().min(60).default(7 * 86_400),
});
export type DetectorConfig = z.infer<typeof detectorConfigSchema>;

// --- Redis and upload limits (issue 9: supervised embedded Redis, backpressure) ---------------------------

/** A Redis memory size: bytes, or a number with kb/mb/gb (as redis.conf writes it). */
export const redisMemorySchema = z
  .union([z.number().int().min(0), z.string().regex(/^\d+\s*(b|kb|mb|gb)?$/i, 'memory size like "256mb", "2gb" or bytes')])
  .transform((v) => {
    if (typeof v === "number") return v;
    const m = /^(\d+)\s*([a-z]*)$/i.exec(v)!;
    const unit = { "": 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1;
    return Number(m[1]) * unit;
  });

export const redisConfigSchema = z.object({
  /**
   * An existing Redis (REDIS_URL wins); unset = `keepwatch serve` runs its own, supervised. redis://,
   * rediss:// or, for a Redis behind Sentinel, redis-sentinel://host:26379,host2:26379/mastername.
   */
  url: z.string().regex(/^(rediss?|redis-sentinel):\/\/\S+$/, "a redis://, rediss:// or redis-sentinel://host:26379,host2:26379/mastername URL").optional(),
  /** Embedded Redis port on 127.0.0.1; 0 = a free port picked at start (kept across restarts). */
  port: z.number().int().min(0).max(65535).default(0),
  /** Embedded Redis AOF fsync: always (nothing accepted is lost, slower uploads), everysec (≤1 s), no. */
  appendfsync: z.enum(["always", "everysec", "no"]).default("everysec"),
  /** Embedded Redis memory cap (noeviction: beyond it writes fail; uploads get 503 before that). */
  maxmemory: redisMemorySchema.default(256 * 1024 ** 2),
  /** Uploads answer 503 once Redis uses this share of its maxmemory (any Redis that reports one). */
  uploadMemoryHighWater: z.number().gt(0).max(1).default(0.9),
  /** Upload-side Redis commands fail (→ 503) instead of hanging on a frozen Redis: the room check before
   *  a body is read after this long, the enqueue after it was read after three times this long. */
  commandTimeoutMs: z.number().int().min(100).max(60_000).default(3_000),
});

export const uploadLimitsSchema = z.object({
  /** Per probe token: upload requests per minute (token bucket, bursts up to this many). */
  requestsPerMinute: z.number().int().min(1).default(60),
  /** Per probe token: measurements per minute (a batch may overdraw; the next one waits). */
  measurementsPerMinute: z.number().int().min(1).default(20_000),
  /** Per probe token: uploads in flight at once. */
  concurrentPerToken: z.number().int().min(1).default(2),
  /** All uploads: bytes of request bodies in flight at once (503 beyond); at least one maximum body. */
  inFlightBytes: redisMemorySchema.default(16 * 1024 ** 2),
  /** Failed token checks per minute, all clients together, then 429. */
  failedAuthPerMinute: z.number().int().min(1).default(120),
  /** Failed token checks per minute from one client address, then 429. */
  failedAuthPerMinutePerAddress: z.number().int().min(1).default(10),
});
export type RedisConfig = z.infer<typeof redisConfigSchema>;
export type UploadLimits = z.infer<typeof uploadLimitsSchema>;
// --- end Redis and upload limits ---------------------------------------------------------------------------

// --- store ------------------------------------------------------------------------------------------------
/** "sqlite" (dataDir/keepwatch.sqlite), "sqlite:PATH", or a postgres:// / postgresql:// connection URL. */
const STORE_URL = /^(sqlite(:.+)?|postgres(ql)?:\/\/.+)$/;
export const storeConfigSchema = z.object({
  /**
   * Where measurements, rollups, incidents and tokens live. SQLite is the default (one file in dataDir);
   * `postgres://user:${KEEPWATCH_PG_PASSWORD}@host:5432/keepwatch` for several API/collector processes
   * sharing one database. Keep the password in the environment; it is never logged.
   */
  // The message never repeats the value: it may hold a password.
  url: z.string().regex(STORE_URL, "sqlite, sqlite:PATH or a postgres:// URL").default("sqlite"),
  /** PostgreSQL only: connections per process. */
  poolSize: z.number().int().min(1).max(200).default(10),
});
export type StoreConfig = z.infer<typeof storeConfigSchema>;

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
       * Behind a reverse proxy that sets X-Forwarded-For: take the uploader's address from it (every address
       * in it is scrubbed from uploads). Off: only the socket's peer address counts; the header is ignored.
       */
      trustProxy: z.boolean().default(false),
      /** Uploads dated more than this after the server's receive time are rejected (probe clocks drift). */
      maxClockSkewSeconds: z.number().int().min(0).max(86_400).default(600),
      /**
       * Directory with the IP-to-ASN CSV files (asn-ipv4-num.csv, asn-ipv6-num.csv, asn-country-ipv4-num.csv,
       * asn-country-ipv6-num.csv) used to tell agents which network their address is in; unset = the
       * @ip-location-db npm packages installed with KeepWatch.
       */
      ipToAsnData: z.string().min(1).optional(),
      /**
       * CSP frame-ancestors of the embeddable widget (/embed/regions/ID): "*" lets any site embed it; list
       * origins ("https://news.example") to restrict. Each entry is one CSP source, no spaces or separators.
       */
      /**
       * A private dashboard: every page, read endpoint and the event stream need a signed-in user (a session
       * from /login, or a user's read token as Bearer kwu_…). Uploads, agents, enrollment, admin tokens,
       * health and /metrics are unaffected. Off (default): reads are public; accounts are still needed to write notes.
       */
      private: z.boolean().default(false),
      /** How long a login session lasts (hours); a new password, a new role or disabling ends it sooner. */
      sessionHours: z.number().min(0.1).max(24 * 30).default(12),
      embedAncestors: z.array(z.string().regex(/^(\*|'self'|'none'|https?:\/\/[A-Za-z0-9.*-]+(:\d+)?)$/, "one CSP source: *, 'self', 'none' or an http(s) origin")).default(["*"]),
    })
    .prefault({}),
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
export type RegionConfig = z.infer<typeof regionConfigSchema>;
export type NetworkConfig = z.infer<typeof networkConfigSchema>;
export type ProbeConfig = z.infer<typeof probeConfigSchema>;
export type TargetConfig = z.infer<typeof targetConfigSchema>;
