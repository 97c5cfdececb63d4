// PostgreSQL migration 5: per-target minute rollups without their half-empty unique key, and rollup tables
// that are updated in place kept from bloating. Forward-only, no stored row rewritten; what takes time on a
// big database is building the new index over the minute rows already there (bench/pg-migration-5.ts).
//
// Where the bytes went before it (bench/store-size.ts, 50,000 production-shaped measurements, per
// measurement): measurements heap 512, per-target minute rollups 102 heap + 103 primary key (region first,
// so each insert lands inside the index and its pages settle half full), hour rollups 73 + 11 (each hour row
// updated up to 12 times, every update a new row version and index entry), the measurement's primary key
// (id, started_ms) 54 (random uuids first: pages ~70 % full) plus its (started_ms, region_ref) index 42.
//
// 1. rollups_minute (per target): rows are appended, one per key and insert transaction, instead of
//    upserted, so the table needs no unique key; readers always sum the rows of a key (a 5-minute schedule
//    makes one row per key anyway). Exactness is unchanged: an insert transaction folds in only the
//    measurements its own INSERT stored. Its index is (bucket, region_ref): time first (appended, full
//    pages), the region checked inside the index before any heap row is fetched (B-tree deduplication keeps it small).
// 2. Tables updated in place many times (hour rollups, last_seen, probes) leave room on each page
//    (fillfactor), so an update writes its new row version beside the old one (a HOT update: no new index
//    entry, and the dead version is reclaimed on the page by the next visitor) instead of growing the table.
//    Applies to pages written from now on. Network minute rows are updated a few times at most: no room.
//
// Not done: one time-first key (started_ms, id) for measurements instead of (id, started_ms) plus
// (started_ms, region_ref). Measured at 50,000: the key alone is 57 B (uploads of a round arrive in any order
// within minutes, so inserts land just left of the right end and pages fill ~64 %), but getMeasurement's lookup
// by id alone then reads every partition's whole key (11 ms warm, 250 ms cold at 1.96 M rows, growing with the
// store; an incident's CSV looks up to 50 sampled ids), and a hash index on id to serve it takes 34-54 B; a
// region filter would no longer be checked inside an index (a unique key holding the region would store a
// measurement twice when an operator moves its probe between two uploads of it; an INCLUDE column is only
// checked on the heap row), making the detector's evidence read 1.7x as slow. Net: no saving worth that.
export const LEAN_MIGRATION_SQL = `
  ALTER TABLE rollups_minute DROP CONSTRAINT rollups_minute_pkey;
  CREATE INDEX rollups_minute_bucket_region ON rollups_minute (bucket, region_ref);

  ALTER TABLE rollups_hour SET (fillfactor = 70);
  ALTER TABLE network_rollups_hour SET (fillfactor = 70);
  ALTER TABLE last_seen SET (fillfactor = 50);
  ALTER TABLE probes SET (fillfactor = 50);
`;
