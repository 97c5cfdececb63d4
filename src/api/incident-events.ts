// Incident change notifications for the SSE stream. Two sources share one interface: IncidentEventHub when the
// detector runs in the same process (it calls publish), StoreIncidentPoller when it runs elsewhere (we watch the
// store, the one thing both processes share).
import type { Incident } from "../incident.js";
import type { Store } from "../store/store.js";

export type IncidentListener = (incident: Incident) => void;

export interface IncidentEvents {
  /** Returns the unsubscribe function. */
  subscribe(listener: IncidentListener): () => void;
}

export class IncidentEventHub implements IncidentEvents {
  private readonly listeners = new Set<IncidentListener>();

  subscribe(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(incident: Incident): void {
    for (const l of this.listeners) {
      try {
        l(incident);
      } catch {
        // One broken subscriber must not starve the others.
      }
    }
  }
}

/** Fingerprint of what subscribers care about: a new version of an incident changes one of these. */
function version(i: Incident): string {
  return `${i.status}|${i.endedAt ?? ""}|${i.revisedAt ?? ""}|${i.kind}|${i.confidence}|${i.summary}`;
}

/**
 * Several sources as one, each version of an incident delivered once: a process that may lead the detector
 * hears its own passes at once (hub) and another leader's through the store (poller).
 */
export class MergedIncidentEvents implements IncidentEvents {
  constructor(private readonly sources: readonly IncidentEvents[]) {}

  subscribe(listener: IncidentListener): () => void {
    const delivered = new Map<string, string>(); // per subscriber: each hears every version once
    const offs = this.sources.map((s) => s.subscribe((incident) => {
      const v = version(incident);
      if (delivered.get(incident.id) === v) return;
      delivered.delete(incident.id); // re-inserted last: the map keeps the most recent ids
      delivered.set(incident.id, v);
      if (delivered.size > 10_000) delivered.delete(delivered.keys().next().value!);
      listener(incident);
    }));
    return () => {
      for (const off of offs) off();
    };
  }
}

/**
 * Polls the store for open incidents and ones closed recently, and publishes each new or changed one.
 * Runs only while someone listens.
 */
export class StoreIncidentPoller implements IncidentEvents {
  private readonly hub = new IncidentEventHub();
  private seen = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private listeners = 0;
  private primed = false;

  constructor(
    private readonly store: Store,
    private readonly intervalMs = 5_000,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  subscribe(listener: IncidentListener): () => void {
    const off = this.hub.subscribe(listener);
    this.listeners++;
    if (this.timer === null) this.timer = setInterval(() => void this.poll(), this.intervalMs);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      off();
      this.listeners--;
      if (this.listeners === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** One poll; public so a caller can force a check. The first poll only learns the current state. */
  async poll(): Promise<void> {
    let incidents: Incident[];
    try {
      const since = new Date(this.clock().getTime() - 24 * 3600_000);
      incidents = await this.store.listIncidents({ since, limit: 1000 });
    } catch {
      return; // The store being briefly unavailable is not an event; try again next tick.
    }
    // Rebuilt each time so incidents that leave the 24 h horizon are forgotten.
    const next = new Map<string, string>();
    for (const i of incidents) {
      const v = version(i);
      next.set(i.id, v);
      if (this.primed && this.seen.get(i.id) !== v) this.hub.publish(i);
    }
    this.seen = next;
    this.primed = true;
  }
}
