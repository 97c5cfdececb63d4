import BetterSqlite3 from "better-sqlite3";
import { mkdtempSync } from "node:fs"; import { tmpdir } from "node:os"; import { join } from "node:path";
import { SqliteStore } from "../src/store/sqlite.js";
import { productionSchedule } from "../bench/store-size.js";
const dir = mkdtempSync(join(tmpdir(), "kw-fill-")); const path = join(dir, "db.sqlite");
const store = new SqliteStore(path, { pageSize: Number(process.argv[2] ?? 8192) }); await store.migrate();
let b: any[] = [];
for (const m of productionSchedule(30000, 17, 60)) { b.push(m); if (b.length === 1000) { await store.insertMeasurements(b); b = []; } }
await store.close();
const db = new BetterSqlite3(path); db.pragma("wal_checkpoint(TRUNCATE)");
console.log(db.prepare("SELECT name, SUM(pgsize)/30000.0 AS per, SUM(unused)/30000.0 AS unused_per, SUM(payload)/30000.0 AS payload_per, SUM(ncell) AS cells FROM dbstat GROUP BY name ORDER BY per DESC LIMIT 8").all());
console.log(db.prepare("SELECT AVG(length(raw)) AS raw, AVG(length(id)) AS id FROM measurements").get());
