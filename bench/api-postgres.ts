// API benchmark on PostgreSQL with ≥ 20 million stored measurements: the 7-day region timeline's p95 under
// concurrent load, and the store calls behind it. The data is generated server-side (generate_series, one
// INSERT per day partition, then the four rollup tables aggregated from it per day), into a private
// cluster whose data directory is kept in the temp dir, so a second run reuses it.
// 17 regions × 2 networks × 5 probes × 40 targets every 5 minutes for 2952 rounds (10.25 days) = 20.07 M.
// Rows are written in the schema's current form (PostgreSQL migration 4: strings as ids into `names`).
//   npx tsx bench/api-postgres.ts [connections] [seconds]
// KEEPWATCH_BENCH_PG_ROUNDS=N generates only N rounds (rounded up to whole hours, 12 rounds) into a data dir
// of its own (to see that generation and the bench work, without the full 20 M); the full run's cache dir is
// left alone. KEEPWATCH_BENCH_PG_DIR=DIR keeps the cluster in DIR instead.
import { mkdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PostgresStore } from "../src/store/postgres/store.js";
import { startCluster } from "../tests/helpers/postgres.js";
import { SUM_COLUMNS } from "../src/store/rollup-deltas.js";
import { END, NETWORKS, REGION_IDS, TARGETS, load, timeStoreCalls, withServer } from "./api.js";

const PROBES_PER_NETWORK = 5;
const PER_ROUND = REGION_IDS.length * NETWORKS.length * PROBES_PER_NETWORK * TARGETS.length; // 6800
const GOAL = 20_000_000;
// Whole hours of rounds, so START is hour-aligned and each chunk below holds whole hours.
const ROUNDS_OVERRIDE = Number(process.env.KEEPWATCH_BENCH_PG_ROUNDS ?? 0);
const ROUNDS = Math.ceil((ROUNDS_OVERRIDE > 0 ? ROUNDS_OVERRIDE : GOAL / PER_ROUND) / 12) * 12;
const ROUND_MS = 5 * 60_000;
const START = END - ROUNDS * ROUND_MS;
const DAY_MS = 86_400_000;

const REGIONS_SQL = `ARRAY[${REGION_IDS.map((r) => `'${r}'`).join(",")}]`;

/** Every string the generated rows refer to, for `names` (the rows hold their ids). */
function generatedNames(): string[] {
  const out = ["region", "whitelisted", "non_whitelisted", "gov", "news", "social", "kcell-mobile", "kt-fixed", "mobile", "fixed"];
  for (const r of REGION_IDS) {
    out.push(r);
    for (const net of ["kcell-mobile", "kt-fixed"]) for (let p = 0; p < PROBES_PER_NETWORK; p++) out.push(`${r.toLowerCase()}-${net}-${p}`);
  }
  for (let tgt = 0; tgt < TARGETS.length; tgt++) out.push(tgt < 20 ? `https://gov${tgt}.example.kz/` : `https://site${tgt}.example.com/`);
  return out;
}

/** Measurements of rounds [r0, r1): every fact column (strings as name ids), and a raw JSON of a typical check (~600 bytes). */
function insertRoundsSql(r0: number, r1: number): string {
  return `INSERT INTO measurements (started_ms, id, asn, tls_handshake_time, bytes_per_second, accessible, local_failure,
      probe_ref, role_ref, region_ref, network_ref, kind_ref, url_ref, list_ref, category_ref, received_after_ms, blocking, failure,
      dns_failure, raw)
    SELECT ms, ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, asn,
      CASE WHEN fails THEN NULL ELSE 0.03 + (n % 17) / 1000.0 END,
      CASE WHEN tgt < 20 AND n % 20 = 0 THEN 2000000 END, NOT fails, false,
      n_probe.id, n_role.id, n_region.id, n_net.id, n_kind.id, n_url.id, n_list.id, n_category.id, 0,
      CASE WHEN fails THEN 'tls' END, CASE WHEN fails THEN 'tls_reset' END, NULL,
      format('{"version":1,"id":"%s","probe":{"id":"%s","role":"region","software":"keepwatch/bench"},"region":"%s","network":{"id":"%s","asn":%s,"kind":"%s"},"target":{"url":"%s","list":"x","category":"y"},"startedAt":"%s","receivedAt":"%s","check":{"url":"%s","dns":[{"query":"h","resolver":"system","transport":"system","rcode":"NOERROR","answers":[],"addresses":["198.18.0.10"],"cnameChain":[],"bogons":[],"failure":null,"time":0.01}],"controlDns":null,"tcp":[{"address":"198.18.0.10","port":443,"failure":null,"connectTime":0.02}],"tls":[],"http":null,"time":0.2},"verdict":{"accessible":%s,"blocking":null,"failure":null,"determined":true},"throughput":null}',
        n, probe, region, net, asn, kind, url, iso, iso, url, CASE WHEN fails THEN 'false' ELSE 'true' END)
    FROM (
      SELECT n, ms, region, net, asn, kind, probe, tgt, url, to_char(to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso,
        (region = 'KZ-47' AND net = 'kcell-mobile' AND ms > ${END - 30 * 3600_000} AND ms < ${END - 24 * 3600_000} AND tgt >= 20) OR n % 33 = 0 AS fails,
        CASE WHEN tgt < 20 THEN 'whitelisted' ELSE 'non_whitelisted' END AS list,
        CASE WHEN tgt < 20 THEN 'gov' WHEN tgt < 30 THEN 'news' ELSE 'social' END AS category
      FROM (
        SELECT r * ${PER_ROUND} + ri * ${NETWORKS.length * PROBES_PER_NETWORK * TARGETS.length} + ni * ${PROBES_PER_NETWORK * TARGETS.length} + p * ${TARGETS.length} + tgt AS n,
          ${START}::int8 + r * ${ROUND_MS} + p * 7000 + tgt * 1000 AS ms,
          (${REGIONS_SQL})[ri + 1] AS region,
          CASE WHEN ni = 0 THEN 'kcell-mobile' ELSE 'kt-fixed' END AS net,
          CASE WHEN ni = 0 THEN 29355 ELSE 9198 END AS asn,
          CASE WHEN ni = 0 THEN 'mobile' ELSE 'fixed' END AS kind,
          lower((${REGIONS_SQL})[ri + 1]) || '-' || CASE WHEN ni = 0 THEN 'kcell-mobile' ELSE 'kt-fixed' END || '-' || p AS probe,
          tgt,
          CASE WHEN tgt < 20 THEN 'https://gov' || tgt || '.example.kz/' ELSE 'https://site' || tgt || '.example.com/' END AS url
        FROM generate_series(${r0}, ${r1 - 1}) r, generate_series(0, ${REGION_IDS.length - 1}) ri, generate_series(0, ${NETWORKS.length - 1}) ni,
          generate_series(0, ${PROBES_PER_NETWORK - 1}) p, generate_series(0, ${TARGETS.length - 1}) tgt
      ) g
    ) m
    JOIN names n_probe ON n_probe.name = m.probe JOIN names n_role ON n_role.name = 'region'
    JOIN names n_region ON n_region.name = m.region JOIN names n_net ON n_net.name = m.net JOIN names n_kind ON n_kind.name = m.kind
    JOIN names n_url ON n_url.name = m.url JOIN names n_list ON n_list.name = m.list JOIN names n_category ON n_category.name = m.category`;
}

const SUMS = `COUNT(*), COUNT(*) FILTER (WHERE accessible), COUNT(*) FILTER (WHERE NOT accessible AND blocking IS NULL),
  COUNT(*) FILTER (WHERE NOT accessible AND blocking = 'dns'), COUNT(*) FILTER (WHERE NOT accessible AND blocking = 'tcp'),
  COUNT(*) FILTER (WHERE NOT accessible AND blocking = 'tls'), COUNT(*) FILTER (WHERE NOT accessible AND blocking = 'http-failure'),
  COUNT(*) FILTER (WHERE NOT accessible AND blocking = 'http-diff'), COUNT(dns_failure), COALESCE(SUM(bytes_per_second), 0),
  COUNT(bytes_per_second), COALESCE(SUM(tls_handshake_time), 0), COUNT(tls_handshake_time), MAX(started_ms)`;
// The per-target tables keep a zero sum as NULL (as the store's ingest writes them).
const NULLABLE_SUMS = SUMS.split(/,(?![^(]*\))/).map((e, i, all) => (i < all.length - 1 ? `NULLIF(${e.trim()}, 0)` : e.trim())).join(", ");
const TARGET_COLS = `region_ref, bucket, network_ref, probe_ref, list_ref, url_ref, role_ref, category_ref, ${SUM_COLUMNS.join(", ")}, last_ms`;
const NETWORK_COLS = `region, bucket, network, role, list, ${SUM_COLUMNS.join(", ")}, last_ms`;
const NAMED_NETWORK = `FROM measurements m JOIN names r ON r.id = m.region_ref JOIN names n ON n.id = m.network_ref
  JOIN names ro ON ro.id = m.role_ref JOIN names l ON l.id = m.list_ref`;

/**
 * The rollup tables for [from, to) (whole hours), aggregated from the rows just generated. Per-target minutes are
 * read from the live rows since PostgreSQL migration 6 (src/store/postgres/target-minutes.ts): none written.
 */
function rollupSql(from: number, to: number): string[] {
  const where = `started_ms >= ${from} AND started_ms < ${to}`;
  const target = (table: string, width: number) => `INSERT INTO ${table} (${TARGET_COLS})
    SELECT region_ref, started_ms / ${width * 1000} * ${width}, network_ref, probe_ref, list_ref, url_ref, role_ref, MIN(category_ref),
      ${NULLABLE_SUMS}
    FROM measurements WHERE ${where} GROUP BY region_ref, started_ms / ${width * 1000} * ${width}, network_ref, probe_ref, list_ref, url_ref, role_ref`;
  const network = (table: string, width: number) => `INSERT INTO ${table} (${NETWORK_COLS})
    SELECT r.name, started_ms / ${width * 1000} * ${width}, n.name, ro.name, l.name, ${SUMS}
    ${NAMED_NETWORK} WHERE ${where} GROUP BY r.name, started_ms / ${width * 1000} * ${width}, n.name, ro.name, l.name`;
  return [target("rollups_hour", 3600), network("network_rollups_minute", 60),
    network("network_rollups_hour", 3600)];
}

/**
 * Generates rounds newest first (so the 7-day window the bench reads is complete early, even in a run cut
 * short), skipping the `from` newest rounds already there; each chunk commits with its progress.
 */
async function generate(url: string, from = 0): Promise<{ count: number; seconds: number }> {
  const started = performance.now();
  const store = new PostgresStore(url);
  await store.migrate();
  const days = new Set<number>();
  for (let t = START; t < END + DAY_MS; t += DAY_MS) days.add(Math.floor(t / DAY_MS));
  await store.ensurePartitions(days);
  await store.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = off");
    await c.query("INSERT INTO names (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING", [generatedNames()]);
    await c.query("SET work_mem = '256MB'");
    // A chunk of rounds per statement (whole hours, so each chunk's hour rollups are complete).
    const roundsPerChunk = 12 * 6;
    for (let doneRounds = from; doneRounds < ROUNDS; doneRounds += roundsPerChunk) {
      const r1 = ROUNDS - doneRounds;
      const r0 = Math.max(0, r1 - roundsPerChunk);
      await c.query("BEGIN");
      await c.query(insertRoundsSql(r0, r1));
      for (const sql of rollupSql(START + r0 * ROUND_MS, START + r1 * ROUND_MS)) await c.query(sql);
      await c.query("INSERT INTO state (key, value, updated_ms) VALUES ('bench:api:rounds', $1, 0) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(ROUNDS - r0)]);
      await c.query("COMMIT");
      process.stdout.write(`  generated ${(ROUNDS - r0) * PER_ROUND} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  } finally {
    await c.end();
  }
  return { count: (ROUNDS - from) * PER_ROUND, seconds: (performance.now() - started) / 1000 };
}

/** last_seen and probes from the newest day, and planner statistics: once, after (or without) generation. */
async function finish(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    if ((await c.query("SELECT 1 FROM last_seen LIMIT 1")).rowCount) return;
    const newest = Number((await c.query("SELECT MAX(started_ms) AS m FROM measurements")).rows[0].m);
    const named = `FROM measurements m JOIN names r ON r.id = m.region_ref JOIN names n ON n.id = m.network_ref
      JOIN names p ON p.id = m.probe_ref WHERE started_ms >= $1 GROUP BY r.name, n.name, p.name`;
    await c.query(`INSERT INTO last_seen SELECT r.name, n.name, p.name, MAX(started_ms) ${named} ON CONFLICT DO NOTHING`, [newest - DAY_MS]);
    await c.query(`INSERT INTO probes (id, region, network, role, last_seen_ms, measurements)
      SELECT p.name, r.name, n.name, 'region', MAX(started_ms), COUNT(*) ${named} ON CONFLICT DO NOTHING`, [newest - DAY_MS]);
    await c.query("ANALYZE");
  } finally {
    await c.end();
  }
}

async function storeTimings(store: PostgresStore, runs = 20) {
  const week = { since: new Date(END - 7 * 86400_000), until: new Date(END), region: "KZ-47", bucketSeconds: 3600 };
  const recent = { since: new Date(END - 15 * 60_000), until: new Date(END), bucketSeconds: 900 };
  const calls: [string, () => Promise<unknown[]>][] = [
    ["networkStats 7 d KZ-47 hour (the timeline)", () => store.networkStats(week)],
    ["targetStats 7 d KZ-47 hour", () => store.targetStats(week)],
    ["networkStats 15 min all regions (regions view)", () => store.networkStats(recent)],
    // Per-target minute rollups: the detector's baseline reads a region a day at a time in 5-minute windows;
    // the targets API reads minute buckets up to two days.
    ["targetStats 1 d KZ-47 300 s (detector baseline day)", () => store.targetStats({ since: new Date(END - 86400_000), until: new Date(END), region: "KZ-47", bucketSeconds: 300 })],
    ["targetStats 2 d KZ-47 minute (targets API)", () => store.targetStats({ since: new Date(END - 2 * 86400_000), until: new Date(END), region: "KZ-47", bucketSeconds: 60 })],
    ["measurementFacts 5 min KZ-47 (detector window)", () => store.measurementFacts({ region: "KZ-47", since: new Date(END - 5 * 60_000), until: new Date(END) })],
  ];
  return timeStoreCalls(calls, runs);
}

export async function benchApiPostgres(connections = 20, seconds = 10) {
  // pg4: rows in PostgreSQL migration 4's form (pg2 held the text form); an override of the rounds has its own.
  // KEEPWATCH_BENCH_PG_DIR: a data dir of the caller's (e.g. to compare two schema versions side by side).
  const dir = process.env.KEEPWATCH_BENCH_PG_DIR
    ?? join(tmpdir(), ROUNDS_OVERRIDE > 0 ? `keepwatch-bench-api-pg4-${ROUNDS}r` : "keepwatch-bench-api-pg4");
  mkdirSync(dir, { recursive: true });
  const cluster = await startCluster({ durable: true, dataDir: dir, conf: ["shared_buffers = 512MB", "max_wal_size = 8GB"] });
  try {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    const exists = (await admin.query("SELECT 1 FROM pg_database WHERE datname = 'bench_api'")).rowCount;
    if (!exists) await admin.query("CREATE DATABASE bench_api");
    await admin.end();
    const url = `postgres://postgres@127.0.0.1:${cluster.port}/bench_api`;
    const probe = new PostgresStore(url);
    await probe.migrate();
    const done = Number((await probe.getState("bench:api:rounds")) ?? 0);
    await probe.close();
    let generation = null;
    // KEEPWATCH_BENCH_NO_GENERATE=1 measures whatever an interrupted generation left (the count is reported).
    if (done < ROUNDS && !process.env.KEEPWATCH_BENCH_NO_GENERATE) {
      console.log(`generating ${ROUNDS * PER_ROUND} measurements into ${dir} (from round ${done}) …`);
      generation = await generate(url, done);
      console.log(`generated ${generation.count} in ${generation.seconds.toFixed(0)} s`);
    }
    await finish(url);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const count = Number((await c.query("SELECT COUNT(*) AS n FROM measurements")).rows[0].n);
    const bytes = Number((await c.query(`SELECT SUM(pg_total_relation_size(c.oid)) AS n FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`)).rows[0].n);
    await c.end();
    const store = new PostgresStore(url);
    const storeCalls = await storeTimings(store);
    await store.close();
    const timeline = `/api/v1/regions/KZ-47/timeline?since=${new Date(END - 7 * 86400_000).toISOString()}&until=${new Date(END).toISOString()}&bucket=hour`;
    // Twice: with the production response caches (1 s: a crowd on one link shares one store read), and with
    // none (every request reads the store: the worst case, e.g. readers each asking a different range).
    const figures = [];
    for (const cacheMs of [1000, 0]) {
      figures.push(...await withServer(url, cacheMs, async (base) => {
        await (await fetch(base + timeline)).arrayBuffer();
        const out = [];
        for (const path of [timeline, "/api/v1/regions"]) {
          const f = { ...(await load(base + path, connections, seconds)), cacheMs };
          out.push(f);
          console.log(`cache ${cacheMs} ms ${f.path.slice(0, 60)}: ${f.requests} req, ${f.rps.toFixed(0)} req/s, p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, non-2xx ${f.non2xx}`);
        }
        return out;
      }));
    }
    return { measurements: count, bytes, bytesPerMeasurement: Math.round(bytes / count), generation, storeCalls, figures, connections, seconds, loadAverage: loadavg() };
  } finally {
    cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [conns, secs] = process.argv.slice(2);
  console.log(JSON.stringify(await benchApiPostgres(conns ? Number(conns) : undefined, secs ? Number(secs) : undefined), null, 2));
}
