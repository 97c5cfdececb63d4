// One store read per scrape, shared by the gauges that need it: several collect callbacks run in the same
// scrape, and a short memo keeps them from each querying the store.
import { INCIDENT_KINDS, type Incident } from "../incident.js";
import { loadRegionsView, type RegionsView, type ViewState } from "../views/region-view.js";
import type { ProbeRecord, StoreHealth } from "../store/store.js";
import type { MetricsSources } from "./sources.js";

/** Collectors of one scrape run within this; a direct registry.metrics() call reuses values this long at most. */
const MEMO_MS = 1_000;

export class ScrapeSnapshot {
  static readonly STATES: ViewState[] = ["normal", "unknown", ...INCIDENT_KINDS];
  private memo = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly sources: MetricsSources) {}

  /** Called at the start of each scrape so every scrape sees fresh data. */
  reset(): void {
    this.memo.clear();
  }

  private now(): Date {
    return this.sources.clock?.() ?? new Date();
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const at = Date.now();
    const hit = this.memo.get(key);
    if (hit && at - hit.at < MEMO_MS) return hit.value as Promise<T>;
    const value = load();
    this.memo.set(key, { at, value });
    return value;
  }

  regions(): Promise<RegionsView | null> {
    const { store, config } = this.sources;
    if (!store || !config) return Promise.resolve(null);
    const window = this.sources.recentWindowSeconds ?? 900;
    return this.cached("regions", () => loadRegionsView(store, config, this.now(), window).catch(() => null));
  }

  probes(): Promise<ProbeRecord[]> {
    const { store } = this.sources;
    if (!store) return Promise.resolve([]);
    return this.cached("probes", () => store.listProbes().catch(() => []));
  }

  /** Whether the store takes writes (up), is readable but locked, or down; null without a store. */
  storeHealth(): Promise<StoreHealth | null> {
    const { store } = this.sources;
    if (!store) return Promise.resolve(null);
    return this.cached("health", () => store.health().catch((): StoreHealth => "down"));
  }

  /** Counts keyed "kind|status". */
  incidentCounts(): Promise<Map<string, number>> {
    const { store } = this.sources;
    if (!store) return Promise.resolve(new Map());
    return this.cached("incidents", async () => {
      const counts = new Map<string, number>();
      for (const kind of INCIDENT_KINDS) for (const status of ["open", "closed"]) counts.set(`${kind}|${status}`, 0);
      let all: Incident[] = [];
      try {
        all = await store.listIncidents({ limit: 100_000 });
      } catch {
        return new Map();
      }
      for (const i of all) counts.set(`${i.kind}|${i.status}`, (counts.get(`${i.kind}|${i.status}`) ?? 0) + 1);
      return counts;
    });
  }
}
