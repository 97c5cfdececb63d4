// The regions view behind GET /regions, the SSE "regions" event and nothing else. Concurrent callers share one
// computation, and a result is reused for ttlMs: a dashboard wall of browsers polling costs one store read.
import type { KeepWatchConfig } from "../config/schema.js";
import type { Store } from "../store/store.js";
import type { Clock } from "./deps.js";
import { loadRegionsView, type RegionsView } from "../views/region-view.js";

export class RegionsSource {
  private inflight: Promise<RegionsView> | null = null;
  /** `at` is monotonic time (performance.now), not the injected clock, which tests may hold still. */
  private cached: { at: number; view: RegionsView } | null = null;

  constructor(
    private readonly store: Store,
    private readonly config: KeepWatchConfig,
    private readonly clock: Clock,
    private readonly recentWindowSeconds: number,
    private readonly ttlMs = 1_000,
  ) {}

  async get(): Promise<RegionsView> {
    if (this.cached && performance.now() - this.cached.at < this.ttlMs) return this.cached.view;
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
    const started = performance.now();
    const p = loadRegionsView(this.store, this.config, this.clock(), this.recentWindowSeconds)
      .then((view) => {
        this.cached = { at: started, view };
        return view;
      })
      .finally(() => {
        this.inflight = null;
      });
    this.inflight = p;
    return p;
  }
}
