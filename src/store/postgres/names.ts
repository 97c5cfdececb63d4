// The PostgreSQL store's string dictionary (PostgreSQL migration 4), as SQLite's `names` (sqlite-names.ts):
// every region, network, probe, target URL, list, role, category and network kind of a measurement or a
// per-target rollup row is stored once in `names` and referenced by a 4-byte id. Names are only ever added,
// never changed or deleted, so an id once read stays right and this process caches both directions.
// New names are added in their own short autocommitted statement, before the batch's transaction: a name
// committed for a batch that then rolls back is harmless (unreferenced), and no batch holds a lock on a name
// row while it inserts measurements, so two collectors never wait on each other here.
import type pg from "pg";

export class PgNames {
  private readonly ids = new Map<string, number>();
  private readonly names = new Map<number, string>();

  constructor(private readonly pool: pg.Pool) {}

  private remember(id: number, name: string): void {
    this.ids.set(name, id);
    this.names.set(id, name);
  }

  /** Makes sure every name has an id (adding the new ones); afterwards idOf() answers for each. */
  async intern(names: Iterable<string>): Promise<void> {
    // Known names are skipped before anything is built: a batch's thousands are nearly all known.
    const unknown = new Set<string>();
    for (const n of names) if (!this.ids.has(n)) unknown.add(n);
    if (unknown.size === 0) return;
    const missing = [...unknown];
    // Sorted, so two processes adding overlapping names take the unique index's locks in the same order.
    missing.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    await this.pool.query({ name: "kw_names_add", text: `INSERT INTO names (name) SELECT unnest($1::text[])
      ON CONFLICT (name) DO NOTHING`, values: [missing] });
    await this.lookup(missing);
    for (const n of missing) if (!this.ids.has(n)) throw new Error(`names: ${JSON.stringify(n)} was not stored`);
  }

  /** Reads the ids of names already stored (names never stored stay unknown). */
  private async lookup(names: string[]): Promise<void> {
    const { rows } = await this.pool.query<{ id: number; name: string }>({ name: "kw_names_find",
      text: "SELECT id, name FROM names WHERE name = ANY($1::text[])", values: [names] });
    for (const r of rows) this.remember(r.id, r.name);
  }

  /** The id of an interned name (intern() first). */
  idOf(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`names: ${JSON.stringify(name)} not interned`);
    return id;
  }

  /** The id of a stored name, or null when no row can hold it (a filter on it matches nothing new). */
  async find(name: string): Promise<number | null> {
    if (!this.ids.has(name)) await this.lookup([name]);
    return this.ids.get(name) ?? null;
  }

  /** Makes sure name() answers for every id read from rows (ids another process added are read once). */
  async load(ids: Iterable<number | null>): Promise<void> {
    const missing = [...new Set(ids)].filter((id): id is number => id !== null && !this.names.has(id));
    if (missing.length === 0) return;
    const { rows } = await this.pool.query<{ id: number; name: string }>({ name: "kw_names_load",
      text: "SELECT id, name FROM names WHERE id = ANY($1::int4[])", values: [missing] });
    for (const r of rows) this.remember(r.id, r.name);
  }

  /** The name behind an id read from a row (load() first). */
  name(id: number): string {
    const name = this.names.get(id);
    if (name === undefined) throw new Error(`names: no name with id ${id} (database damaged?)`);
    return name;
  }
}
