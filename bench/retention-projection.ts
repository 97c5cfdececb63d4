// Steady-state size at the default retention, from bench/store-size.ts's measured bytes per table: raw rows
// are kept rawDays, per-target minute rollups targetMinuteDays, hour and network rollups rollupDays, so a
// deployment taking N measurements a day holds N × Σ (bytes per measurement × days kept) once every horizon
// has filled. "before" is the same with per-target minute rollups kept rollupDays (every rollup 730 days).
import { configSchema } from "../src/config/schema.js";

export type RetentionClass = "raw" | "targetMinute" | "rollup" | "fixed";

/** Which retention setting prunes a table (PostgreSQL partitions are already summed under their parent). */
export function retentionClass(table: string): RetentionClass {
  if (table === "measurements" || table === "legacy_measurements" || table === "measurements_v") return "raw";
  if (table === "rollups_minute" || table === "legacy_rollups_minute") return "targetMinute";
  if (/^(legacy_)?rollups_hour$|^network_rollups_(minute|hour)$/.test(table)) return "rollup";
  // Names, last_seen, probes, incidents, schema: do not grow with measurements.
  return "fixed";
}

export interface RetentionProjection {
  retention: { rawDays: number; targetMinuteDays: number; rollupDays: number };
  /** Measured bytes per stored measurement, by retention class. */
  bytesPerMeasurement: Record<RetentionClass, number>;
  /** Bytes on disk per measurement a day at steady state: raw × rawDays + minute × targetMinuteDays + rest × rollupDays. */
  bytesPerDailyMeasurement: number;
  /** The same with per-target minute rollups kept rollupDays (before targetMinuteDays). */
  beforeBytesPerDailyMeasurement: number;
  /** A national network's 1.5 M measurements a day, GB (10^9) at steady state: now and before. */
  nationalGB: number;
  beforeNationalGB: number;
}

export const NATIONAL_PER_DAY = 1_500_000;

/** byTable: bytes per stored measurement of each table with its indexes and TOAST. */
export function projectRetention(byTable: Record<string, number>,
  retention: { rawDays: number; targetMinuteDays: number; rollupDays: number } = configSchema.shape.retention.parse(undefined)): RetentionProjection {
  const b: Record<RetentionClass, number> = { raw: 0, targetMinute: 0, rollup: 0, fixed: 0 };
  for (const [table, bytes] of Object.entries(byTable)) b[retentionClass(table)] += bytes;
  const { rawDays, targetMinuteDays, rollupDays } = retention;
  const now = b.raw * rawDays + b.targetMinute * targetMinuteDays + b.rollup * rollupDays;
  const before = b.raw * rawDays + (b.targetMinute + b.rollup) * rollupDays;
  const round = (x: number, d = 1) => Number(x.toFixed(d));
  return {
    retention: { rawDays, targetMinuteDays, rollupDays },
    bytesPerMeasurement: { raw: round(b.raw), targetMinute: round(b.targetMinute), rollup: round(b.rollup), fixed: round(b.fixed) },
    bytesPerDailyMeasurement: Math.round(now),
    beforeBytesPerDailyMeasurement: Math.round(before),
    nationalGB: round((now * NATIONAL_PER_DAY) / 1e9),
    beforeNationalGB: round((before * NATIONAL_PER_DAY) / 1e9),
  };
}

export function projectionLine(name: string, p: RetentionProjection): string {
  const { rawDays, targetMinuteDays, rollupDays } = p.retention;
  const b = p.bytesPerMeasurement;
  return `steady state ${name} (raw ${rawDays} d, per-target minute ${targetMinuteDays} d, hour/network ${rollupDays} d): ` +
    `${p.bytesPerDailyMeasurement.toLocaleString("en")} bytes per measurement a day ` +
    `(raw ${b.raw} B × ${rawDays} + minute ${b.targetMinute} B × ${targetMinuteDays} + hour/network ${b.rollup} B × ${rollupDays}); ` +
    `1.5 M a day → ${p.nationalGB} GB (before, every rollup ${rollupDays} d: ${p.beforeBytesPerDailyMeasurement.toLocaleString("en")} B, ${p.beforeNationalGB} GB)`;
}
