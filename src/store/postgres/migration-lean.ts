// PostgreSQL migration 5: fewer index bytes per stored measurement, and rollup tables that are updated in
// place kept from bloating. Forward-only, no stored row rewritten; what takes time on a big database is
// building the two new indexes over the rows already there (bench/pg-migration-5.ts measures it).
//
// Where the bytes went before it (bench/store-size.ts, 50,000 production-shaped measurements, per
// measurement): measurements heap 512, per-target minute rollups 102 heap + 103 primary key (region first,
// so each insert lands inside the index and its pages settle half full), hour rollups 73 + 11 (each hour row
// updated up to 12 times, every update a new row version and index entry), the measurement's primary key
// (id, started_ms) 54 (random uuids first: pages ~70 % full) plus its (started_ms, region_ref) index 42.
//
// 1. measurements: one key, (started_ms, id), instead of (id, started_ms) plus (started_ms, region_ref).
//    Time first, so inserts append at its right end and its pages fill; it is still the dedupe key (same
//    id and start: one row), and it serves every time range. region_ref is deliberately not in it: a unique
//    key holding the region would store a measurement twice when an operator moves its probe to another
//    region between two uploads of it; region filters check the heap row of the time range instead (the
//    region's raw rows are read only for short ranges: detector evidence, exports).
// 2. rollups_minute (per target): rows are appended, one per key and insert transaction, instead of
//    upserted, so the table needs no unique key; readers always sum the rows of a key (a 5-minute schedule
//    makes one row per key anyway). Exactness is unchanged: an insert transaction folds in only the
//    measurements its own INSERT stored. Its index is (bucket, region_ref): time first (appended, full
//    pages), the region checked inside the index before any heap row is fetched.
// 3. Tables updated in place many times (hour rollups, last_seen, probes) leave room on each page
//    (fillfactor), so an update writes its new row version beside the old one (a HOT update: no new index
//    entry, and the dead version is reclaimed on the page by the next visitor) instead of growing the table.
//    Applies to pages written from now on. Network minute rows are updated a few times at most: no room.
export const LEAN_MIGRATION_SQL = `
  ALTER TABLE measurements DROP CONSTRAINT measurements_pkey;
  DROP INDEX measurements_started_region;
  ALTER TABLE measurements ADD CONSTRAINT measurements_pkey PRIMARY KEY (started_ms, id);

  ALTER TABLE rollups_minute DROP CONSTRAINT rollups_minute_pkey;
  CREATE INDEX rollups_minute_bucket_region ON rollups_minute (bucket, region_ref);

  ALTER TABLE rollups_hour SET (fillfactor = 70);
  ALTER TABLE network_rollups_hour SET (fillfactor = 70);
  ALTER TABLE last_seen SET (fillfactor = 50);
  ALTER TABLE probes SET (fillfactor = 50);
`;
