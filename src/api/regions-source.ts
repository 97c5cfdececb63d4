// The regions view behind GET /regions, the SSE "regions" event and nothing else. Concurrent callers share one
// computation, and a result is reused for ttlMs: a dashboard wall of browsers polling costs one store read.
import type { KeepWatchConfig } from "../config/schema.js";
import type { Store } from "../store/store.js";
import type { Clock } from "./deps.js";
import { loadRegionsView, type RegionsView } from "./region-view.js";

export class RegionsSource {
  private inflight: Promise<RegionsView> | null = null;
  private cached: { at: number; view: RegionsView } | null = null;

  constructor(
    private readonly store: Store,
    private readonly config: KeepWatchConfig,
    private readonly clock: Clock,
    private readonly recentWindowSeconds: number,
    private readonly ttlMs = 1_000,
  ) {}

  async get(): Promise<RegionsView> {
    const now = this.clock();
    if (this.cached && now.getTime() - this.cached.at < this.ttlMs) return this.cached.view;
    return this.refresh();
  }

  /**
   * Recomputes now, sharing an in-flight computation. `afterChange` (an incident just changed) waits for any
   * in-flight one and starts a new read, since the one in flight may predate the change.
   */
  refresh(afterChange = false): Promise<RegionsView> {
    if (this.inflight && afterChange) {
      return this.inflight.catch(() => undefined).then(() => this.refresh(false));
    }
    if (this.inflight) return this.inflight;
    const now = this.clock();
    const p = loadRegionsView(this.store, this.config, now, this.recentWindowSeconds)
      .then((view) => {
        this.cached = { at: now.getTime(), view };
        return view;
      })
      .finally(() => {
        this.inflight = null;
      });
    this.inflight = p;
    return p;
  }
}
