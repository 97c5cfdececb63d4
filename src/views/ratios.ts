// Success ratios per target list from rollup rows. A list with no samples has ratio null, never 1: "no data"
// must not read as "all fine".
import type { TargetList } from "../measurement.js";
import type { TargetStatsRow } from "../store/store.js";

export interface ListRatios {
  whitelisted: number | null;
  non_whitelisted: number | null;
}

export class RatioTally {
  private readonly ok: Record<TargetList, number> = { whitelisted: 0, non_whitelisted: 0 };
  private readonly total: Record<TargetList, number> = { whitelisted: 0, non_whitelisted: 0 };

  add(row: Pick<TargetStatsRow, "list" | "ok" | "total">): void {
    this.ok[row.list] += row.ok;
    this.total[row.list] += row.total;
  }

  get samples(): number {
    return this.total.whitelisted + this.total.non_whitelisted;
  }

  ratios(): ListRatios {
    const r = (l: TargetList) => (this.total[l] > 0 ? this.ok[l] / this.total[l] : null);
    return { whitelisted: r("whitelisted"), non_whitelisted: r("non_whitelisted") };
  }
}
