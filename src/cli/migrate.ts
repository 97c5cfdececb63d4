// `keepwatch migrate --from sqlite:PATH --to postgres://…`: copies the SQLite store into PostgreSQL
// (src/migrate/sqlite-to-postgres.ts), then checks table counts and the API's answers on both sides.
// Exit 0: copied and identical; 1: copied but a check differs; 2: refused (bad arguments, non-empty target).
import { ConfigError, formatConfigErrors, loadConfig } from "../config/load.js";
import type { KeepWatchConfig } from "../config/schema.js";
import { MigrateRefused, copySqliteToPostgres } from "../migrate/sqlite-to-postgres.js";
import { compareApiAnswers } from "../migrate/verify.js";
import { redactUrl } from "../store/postgres/pool.js";
import { PostgresStore } from "../store/postgres/store.js";
import { SqliteStore } from "../store/sqlite.js";
import { StoreUnavailableError } from "../store/errors.js";
import { existsSync } from "node:fs";

export interface MigrateCliOptions {
  from: string;
  to: string;
  config: string;
  force?: boolean;
  pageSize?: string;
}

export async function runMigrate(o: MigrateCliOptions, out: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  if (!o.from.startsWith("sqlite:") || o.from.length <= "sqlite:".length) {
    out("keepwatch migrate: --from must be sqlite:PATH");
    return 2;
  }
  const path = o.from.slice("sqlite:".length);
  if (!existsSync(path)) {
    out(`keepwatch migrate: no SQLite database at ${path}`);
    return 2;
  }
  if (!/^postgres(ql)?:\/\/.+/.test(o.to)) {
    out("keepwatch migrate: --to must be a postgres:// URL");
    return 2;
  }
  const pageSize = o.pageSize === undefined ? 2000 : Number(o.pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50_000) {
    out("keepwatch migrate: --page-size must be a whole number from 1 to 50000");
    return 2;
  }
  let config: KeepWatchConfig;
  try {
    config = loadConfig(o.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    out(formatConfigErrors(e.errors, o.config));
    return 2;
  }
  const target = new PostgresStore(o.to);
  out(`copying ${path} into ${redactUrl(o.to)}`);
  try {
    let last = "";
    const counts = await copySqliteToPostgres(path, target, {
      pageSize, force: o.force,
      onProgress: (what, n) => {
        if (what !== last || n % (pageSize * 50) === 0) out(`  ${what}: ${n}`);
        last = what;
      },
    });
    let ok = true;
    for (const c of counts) {
      const same = c.source === c.target;
      ok &&= same;
      out(`${same ? "ok  " : "DIFF"} ${c.table.padEnd(24)} sqlite ${c.source}  postgres ${c.target}`);
    }
    const source = new SqliteStore(path);
    try {
      const seen = await source.lastSeen();
      const newest = seen.reduce((t, s) => Math.max(t, Date.parse(s.lastAt)), 0);
      // The API as of the newest data (or now), so "recent" windows cover the copied rows.
      const now = new Date(newest > 0 ? newest + 60_000 : Date.now());
      const { paths, differences } = await compareApiAnswers(source, target, config, now);
      for (const d of differences) out(`DIFF ${d.path}: ${d.detail}`);
      out(`${paths.length - differences.length}/${paths.length} API answers identical (as of ${now.toISOString()})`);
      ok &&= differences.length === 0;
    } finally {
      await source.close();
    }
    out(ok ? "migration complete and verified" : "migration copied, but the checks above differ");
    return ok ? 0 : 1;
  } catch (err) {
    if (err instanceof MigrateRefused) {
      out(`keepwatch migrate: ${err.message}`);
      return 2;
    }
    if (err instanceof StoreUnavailableError) {
      out(`keepwatch migrate: PostgreSQL unavailable (${err.reason}); nothing copied is lost, re-run to continue: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await target.close();
  }
}
