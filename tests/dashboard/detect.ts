// One pass of the real detector over the seeded store, at a given time. The horizon covers the whole
// seeded history, as if the detector had been running all along; its events are returned so a test can
// forward them to the SSE hub the way `keepwatch serve` does.
import type { KeepWatchConfig } from "../../src/config/schema.js";
import { Detector } from "../../src/detect/detector.js";
import type { Incident } from "../../src/incident.js";
import type { IncidentEvent } from "../../src/detect/reconcile.js";
import type { Store } from "../../src/store/store.js";

export interface DetectorRun {
  /** Every incident in the store after the pass. */
  incidents: Incident[];
  events: IncidentEvent[];
}

export async function runDetector(store: Store, config: KeepWatchConfig, now: Date, horizonHours = 9): Promise<DetectorRun> {
  const events: IncidentEvent[] = [];
  const detector = new Detector({
    store,
    config: config.detector,
    onEvent: (e) => {
      events.push(e);
    },
    now: () => now,
    horizonHours,
    regionNames: Object.fromEntries(config.regions.map((r) => [r.id, r.names.en])),
  });
  await detector.runPass();
  return { incidents: await store.listIncidents({ limit: 1000 }), events };
}
