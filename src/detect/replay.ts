// Retrospective detection: the Detector re-run over a stored range, pass by pass at every window end, as
// the live loop would have run it — same code path (Detector.runPass), with "now" the replayed time, so
// last-seen is read as of then. Incidents and detector state go to an overlay, never to the store, so
// a replay changes nothing stored; the caller may write the result (keepwatch detect --write).
import type { DetectorConfig } from "../config/schema.js";
import type { IncidentQuery, Store } from "../store/store.js";
import { Detector, type DetectorOptions } from "./detector.js";
import type { Incident } from "../incident.js";
import type { IncidentEvent } from "./reconcile.js";
import { windowStartOf } from "./window.js";

export interface ReplayOptions extends Pick<DetectorOptions, "regions" | "regionNames" | "configuredProbes"> {
  store: Store;
  config: DetectorConfig;
  since: Date;
  until: Date;
  /** Called after each pass (progress). */
  onPass?: (at: Date) => void;
}

export interface ReplayResult {
  incidents: Incident[];
  events: IncidentEvent[];
  passes: number;
}

function matches(i: Incident, q: IncidentQuery): boolean {
  if (q.region !== undefined && i.region !== q.region) return false;
  if (q.network !== undefined && i.network !== q.network) return false;
  if (q.kind !== undefined && i.kind !== q.kind) return false;
  if (q.status !== undefined && i.status !== q.status) return false;
  if (q.since !== undefined && i.endedAt !== null && Date.parse(i.endedAt) < q.since.getTime()) return false;
  if (q.until !== undefined && Date.parse(i.startedAt) >= q.until.getTime()) return false;
  return true;
}

/** The store for reading; incidents and detector state kept in memory. */
export function incidentOverlay(store: Store): Store & { readonly saved: Map<string, Incident> } {
  const saved = new Map<string, Incident>();
  const state = new Map<string, string>();
  const own: Partial<Store> & { saved: Map<string, Incident> } = {
    saved,
    saveIncident: async (i) => { saved.set(i.id, structuredClone(i)); },
    getIncident: async (id) => structuredClone(saved.get(id) ?? null),
    listIncidents: async (q) => {
      const all = [...saved.values()].filter((i) => matches(i, q))
        .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? -1 : 1));
      const from = q.offset ?? 0;
      return structuredClone(q.limit !== undefined ? all.slice(from, from + q.limit) : all.slice(from));
    },
    getState: async (key) => state.get(key) ?? null,
    setState: async (key, value) => { state.set(key, value); },
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in own) return own[prop as keyof typeof own];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Store & { saved: Map<string, Incident> };
}

export async function replayDetection(o: ReplayOptions): Promise<ReplayResult> {
  const windowMs = o.config.windowSeconds * 1000;
  const overlay = incidentOverlay(o.store);
  const events: IncidentEvent[] = [];
  let clock = windowStartOf(o.since.getTime(), windowMs) + windowMs;
  const detector = new Detector({
    store: overlay, config: o.config, replay: true, now: () => new Date(clock),
    onEvent: (e) => { events.push(e); },
    ...(o.regions ? { regions: o.regions } : {}),
    ...(o.regionNames ? { regionNames: o.regionNames } : {}),
    ...(o.configuredProbes ? { configuredProbes: o.configuredProbes } : {}),
  });
  let passes = 0;
  for (; clock <= o.until.getTime(); clock += windowMs) {
    await detector.runPass();
    passes += 1;
    o.onPass?.(new Date(clock));
  }
  const incidents = [...overlay.saved.values()].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || (a.id < b.id ? -1 : 1));
  return { incidents, events, passes };
}
