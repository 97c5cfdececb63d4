// The SQLite store's string dictionary (schema version 6): every region, network, probe, target URL, list,
// role, category and network kind is stored once in `names` and referenced by its small integer id from the
// measurements and per-target rollup rows (1-2 bytes instead of up to 2 KB, in the row and in every index
// that holds it). Names are only ever added, never changed or deleted, so an id once read stays right; this
// process caches them both ways. Ids another process added are read on first sight.
import type { Database, Statement } from "better-sqlite3";

export class NameTable {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  /** Names this process added in the open write transaction: cached only once it commits. */
  private readonly pending = new Map<string, number>();
  private insert: Statement | null = null;
  private readonly lookup: Statement;
  private readonly newer: Statement;
  /** Every id up to this one has been read (single names found by find() or idFor() may lie beyond). */
  private scanned = 0;

  constructor(private readonly db: Database) {
    this.lookup = db.prepare("SELECT id FROM names WHERE name = ?").pluck();
    this.newer = db.prepare("SELECT id, name FROM names WHERE id > ? ORDER BY id").raw(true);
  }

  private remember(id: number, name: string): void {
    this.ids.set(name, id);
    this.names[id] = name;
  }

  /** Reads names other connections added since the last look. */
  private refresh(): void {
    for (const [id, name] of this.newer.all(this.scanned) as [number, string][]) {
      this.remember(id, name);
      this.scanned = id;
    }
  }

  /** The id of `name`, adding it when new. Only inside a write transaction; then commit() or rollback(). */
  idFor(name: string): number {
    const known = this.ids.get(name) ?? this.pending.get(name);
    if (known !== undefined) return known;
    // Prepared on first write: a read-only connection never needs it.
    (this.insert ??= this.db.prepare("INSERT OR IGNORE INTO names (name) VALUES (?)")).run(name);
    const id = this.lookup.get(name) as number;
    this.pending.set(name, id);
    return id;
  }

  commit(): void {
    for (const [name, id] of this.pending) this.remember(id, name);
    this.pending.clear();
  }

  rollback(): void {
    this.pending.clear();
  }

  /** The id of a name already stored, or null (a query for a name never stored matches nothing). */
  find(name: string): number | null {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    const id = this.lookup.get(name) as number | undefined;
    if (id === undefined) return null;
    this.remember(id, name);
    return id;
  }

  /** The name behind an id read from a row. */
  name(id: number): string {
    let name = this.names[id];
    if (name === undefined) {
      this.refresh();
      name = this.names[id];
      if (name === undefined) throw new Error(`names: no name with id ${id} (database damaged?)`);
    }
    return name;
  }
}
