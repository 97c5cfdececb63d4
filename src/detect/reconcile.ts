// Reconciling this pass's findings with the incidents already published, so ids stay stable and every
// change is an event: opened, kind_changed (live escalation), revised (late data changed the past),
// closed. A `dark` incident whose region's spooled measurements arrive is revised in place (same id)
// into what the measurements show. An incident inside the re-evaluated horizon that the data no
// longer supports is closed with a revision saying so. Pure.
import type { Incident } from "./incident.js";
import type { Bounds } from "./bounds.js";
import { buildIncident, type BuildInput } from "./build.js";

interface IncidentEventBase {
  incident: Incident;
  /** The incident as it was before this change (null when opened). */
  previous: Incident | null;
  at: string;
}

/** What happened to an incident in a pass. */
export type IncidentChange = "opened" | "kind_changed" | "revised" | "closed";

/** Discriminated on `type`, so a receiver that returns early on "reminder" is left with an IncidentChange. */
export type IncidentEvent = (IncidentEventBase & { type: IncidentChange }) | (IncidentEventBase & { type: "reminder" });
export type IncidentEventType = IncidentEvent["type"];

export interface ReconcileInput {
  built: readonly BuildInput[];
  /** Published incidents that are open or ended at/after `from`. */
  existing: readonly Incident[];
  /** Start of the re-evaluated horizon (epoch ms): times before it are not re-derived. */
  from: number;
  now: Date;
}

export interface ReconcileResult {
  save: Incident[];
  events: IncidentEvent[];
}

const INF = Number.POSITIVE_INFINITY;

function span(b: Bounds | Incident): [number, number] {
  return [Date.parse(b.startedAt), b.endedAt === null ? INF : Date.parse(b.endedAt)];
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

export function reconcile(input: ReconcileInput): ReconcileResult {
  const at = input.now.toISOString();
  const unmatched = new Map(input.existing.map((i) => [i.id, i]));
  const pairs: { b: BuildInput; prev: Incident | null }[] = [];
  const take = (i: Incident): Incident => {
    unmatched.delete(i.id);
    return i;
  };

  const ordered = [...input.built].sort((x, y) => Date.parse(x.bounds.startedAt) - Date.parse(y.bounds.startedAt));
  const rest: BuildInput[] = [];
  for (const b of ordered) {
    const seeded = b.finding.seededFrom ? unmatched.get(b.finding.seededFrom) : undefined;
    if (seeded) pairs.push({ b, prev: take(seeded) });
    else rest.push(b);
  }
  const match = (b: BuildInput, test: (i: Incident) => boolean): Incident | undefined =>
    [...unmatched.values()]
      .filter((i) => i.region === b.finding.region && test(i) && overlaps(span(i), span(b.bounds)))
      .sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt))[0];
  const late: BuildInput[] = [];
  for (const b of rest) {
    const same = match(b, (i) => i.network === b.finding.network);
    if (same) pairs.push({ b, prev: take(same) });
    else late.push(b);
  }
  for (const b of late) {
    // A region that was dark and whose measurements now arrived: the dark incident becomes this one.
    const dark = b.finding.network !== null ? match(b, (i) => i.kind === "dark" && i.network === null) : undefined;
    pairs.push({ b, prev: dark ? take(dark) : null });
  }

  const save: Incident[] = [];
  const events: IncidentEvent[] = [];
  for (const { b, prev } of pairs) {
    if (!prev) {
      const incident = buildIncident(b);
      save.push(incident);
      events.push({ type: "opened", incident, previous: null, at });
      if (incident.status === "closed") events.push({ type: "closed", incident, previous: null, at });
      continue;
    }
    const out = update(prev, b, input.from, at);
    if (out) {
      save.push(out.incident);
      for (const type of out.types) events.push({ type, incident: out.incident, previous: prev, at });
    }
  }
  for (const prev of unmatched.values()) {
    if (Date.parse(prev.startedAt) < input.from) continue; // outside what this pass re-derived
    const incident: Incident = {
      ...prev,
      status: "closed",
      endedAt: prev.endedAt ?? at,
      revisedAt: at,
      revisions: [
        ...prev.revisions,
        { at, field: "status", from: prev.status, to: "closed", reason: "re-evaluation with late measurements no longer shows this incident" },
      ],
    };
    if (JSON.stringify(incident) === JSON.stringify(prev)) continue;
    save.push(incident);
    events.push({ type: "revised", incident, previous: prev, at });
    if (prev.status === "open") events.push({ type: "closed", incident, previous: prev, at });
  }
  return { save, events };
}

function update(
  prev: Incident,
  b: BuildInput,
  from: number,
  at: string,
): { incident: Incident; types: IncidentChange[] } | null {
  // What happened before the horizon was not re-derived: keep it as published.
  const keepStart = Date.parse(prev.startedAt) < from;
  const bounds: Bounds = keepStart ? { ...b.bounds, startedAt: prev.startedAt, lastGoodAt: prev.lastGoodAt } : b.bounds;
  const next = buildIncident({ ...b, bounds }, prev.id);
  if (keepStart && b.finding.firstBad.start === 0) next.evidence = prev.evidence;

  const revisions = [...prev.revisions];
  const types = new Set<IncidentChange>();
  const wasDark = prev.kind === "dark" && next.kind !== "dark";
  const record = (field: keyof Incident, reason: string, lateData: boolean): void => {
    revisions.push({ at, field, from: prev[field], to: next[field], reason });
    types.add(lateData ? "revised" : "kind_changed");
  };
  const lateReason = wasDark ? "measurements from the region arrived late (spooled while it was cut off)" : "late measurements changed the evaluation";
  if (prev.network !== next.network) record("network", lateReason, true);
  if (prev.kind !== next.kind) record("kind", wasDark ? lateReason : `the measurements changed to ${next.kind}`, wasDark);
  if (prev.startedAt !== next.startedAt) record("startedAt", lateReason, true);
  if (prev.lastGoodAt !== next.lastGoodAt) record("lastGoodAt", lateReason, true);
  if (prev.status === "closed" && prev.endedAt !== next.endedAt) record("endedAt", lateReason, true);
  if (prev.status === "open" && next.status === "closed") types.add("closed");

  next.revisions = revisions;
  next.revisedAt = types.has("revised") ? at : prev.revisedAt;
  if (JSON.stringify(next) === JSON.stringify(prev)) return null;
  // Order: what changed, then closing.
  const order: IncidentChange[] = ["revised", "kind_changed", "closed"];
  return { incident: next, types: order.filter((t) => types.has(t)) };
}
