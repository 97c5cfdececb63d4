// What retention has removed, kept in the store's state table so a reader can tell "nothing happened" from
// "the data is gone": `keepwatch detect` refuses to replay windows whose per-target minute data was pruned
// (it would read their silence as a shutdown). Written by src/collector/retention.ts after each run.
import type { Store } from "./store.js";

export const PRUNED_STATE_KEY = "retention.pruned";

/** The cutoffs of the last retention run (ISO times): everything older than each is gone from that table. */
export interface PrunedBefore {
  measurements: string;
  targetMinuteRollups: string;
  rollups: string;
}

export async function readPrunedBefore(store: Pick<Store, "getState">): Promise<PrunedBefore | null> {
  const raw = await store.getState(PRUNED_STATE_KEY);
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as Partial<PrunedBefore>;
    return typeof v.measurements === "string" && typeof v.targetMinuteRollups === "string" && typeof v.rollups === "string"
      ? { measurements: v.measurements, targetMinuteRollups: v.targetMinuteRollups, rollups: v.rollups }
      : null;
  } catch {
    return null;
  }
}

const later = (a: string, b: string | undefined): string => (b !== undefined && Date.parse(b) > Date.parse(a) ? b : a);

/**
 * Records a run's cutoffs. Each only moves forward: after an operator raises a retention setting, the data an
 * earlier run removed is still gone.
 */
export async function writePrunedBefore(store: Pick<Store, "getState" | "setState">, p: PrunedBefore): Promise<void> {
  const known = await readPrunedBefore(store);
  await store.setState(PRUNED_STATE_KEY, JSON.stringify({
    measurements: later(p.measurements, known?.measurements),
    targetMinuteRollups: later(p.targetMinuteRollups, known?.targetMinuteRollups),
    rollups: later(p.rollups, known?.rollups),
  }));
}
