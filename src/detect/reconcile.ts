// Reconciling this pass's findings with the incidents already published, so ids stay stable and every
// change is an event: opened, kind_changed (live escalation), revised (late data changed the past),
// closed. A `dark` incident whose region's spooled measurements arrive is revised in place (same id)
// into what the measurements show. An incident inside the re-evaluated horizon that the data no
// longer supports is closed with a revision saying so. Pure.
import { WITHDRAWN, withdrawnAt, type Incident } from "../incident.js";
import type { Bounds } from "./bounds.js";
import { buildIncident, incidentId, type BuildInput } from "./build.js";
import { utc } from "./summary.js";

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
  /** Ids already used by stored incidents outside `existing` (a new incident never takes one). */
  takenIds?: Iterable<string>;
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

/** True once withdraw() closed it: such an incident is history and is never matched, reopened or revised. */
export function isWithdrawn(i: Incident): boolean {
  return withdrawnAt(i) !== null;
}

/**
 * A new incident's id, different from every id already taken. The id is a hash of region, network, kind
 * and start, so a finding that comes back at the very start of a withdrawn incident would otherwise
 * overwrite it (and inherit its "already withdrawn" history): it gets a numbered variant instead.
 */
function freshId(b: BuildInput, taken: ReadonlySet<string>): string {
  const base = incidentId(b.finding.region, b.finding.network, b.finding.kind, b.bounds.startedAt);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

export function reconcile(input: ReconcileInput): ReconcileResult {
  const at = input.now.toISOString();
  const taken = new Set([...input.existing.map((i) => i.id), ...(input.takenIds ?? [])]);
  // Withdrawn incidents are final. One left open by an older version (withdrawn, then matched again) is
  // not matched either: it is closed below, as anything unmatched inside the horizon is.
  const unmatched = new Map(input.existing
    .filter((i) => (!isWithdrawn(i) || i.status === "open") && !(i.status === "closed" && isClosedRetired(i)))
    .map((i) => [i.id, i]));
  const matchable = (i: Incident): boolean => !isWithdrawn(i) && !(i.status === "closed" && isClosedRetired(i));
  const pairs: { b: BuildInput; prev: Incident | null }[] = [];
  const take = (i: Incident): Incident => {
    unmatched.delete(i.id);
    return i;
  };

  const ordered = [...input.built].sort((x, y) => Date.parse(x.bounds.startedAt) - Date.parse(y.bounds.startedAt));
  const rest: BuildInput[] = [];
  for (const b of ordered) {
    const seeded = b.finding.seededFrom ? unmatched.get(b.finding.seededFrom) : undefined;
    if (seeded && !matchable(seeded)) {
      rest.push(b);
      continue;
    }
    if (seeded) pairs.push({ b, prev: take(seeded) });
    else rest.push(b);
  }
  const match = (b: BuildInput, test: (i: Incident) => boolean): Incident | undefined =>
    [...unmatched.values()]
      .filter((i) => matchable(i) && i.region === b.finding.region && test(i) && overlaps(span(i), span(b.bounds)))
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
  const idOf = new Map<BuildInput, string>();
  for (const { b, prev } of pairs) {
    if (prev) idOf.set(b, prev.id);
    if (!prev) {
      const incident = buildIncident(b, freshId(b, taken));
      taken.add(incident.id);
      idOf.set(b, incident.id);
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
    // Outside what this pass re-derived, unless it is a withdrawn incident still (wrongly) open.
    if (Date.parse(prev.startedAt) < input.from && !isWithdrawn(prev)) continue;
    const withdrawn = withdraw(prev, input.built, idOf, at);
    if (!withdrawn) continue;
    save.push(withdrawn);
    events.push({ type: "revised", incident: withdrawn, previous: prev, at });
    if (prev.status === "open") events.push({ type: "closed", incident: withdrawn, previous: prev, at });
  }
  return { save, events };
}

export { WITHDRAWN };

/**
 * Closes a published incident the re-derived data no longer supports, once: a second pass finding the
 * same thing changes nothing. A `dark` incident whose region's spooled measurements show what really
 * happened points at the incident that now covers that time, so its permalink leads somewhere.
 */
function withdraw(prev: Incident, built: readonly BuildInput[], idOf: ReadonlyMap<BuildInput, string>, at: string): Incident | null {
  // Withdrawn once and closed: nothing to do. (Open with a withdrawal on record is the state an older
  // version could leave behind; it is closed now, so it can never stay open for good.)
  if (isWithdrawn(prev) && prev.status === "closed") return null;
  const covering = prev.kind === "dark"
    ? built.find((b) => b.finding.region === prev.region && b.finding.network !== null && overlaps(span(b.bounds), span(prev)))
    : undefined;
  const coveringId = covering ? idOf.get(covering) ?? null : null;
  const reason = covering
    ? `${WITHDRAWN}: measurements the region's probes spooled while cut off arrived late and show ${covering.finding.kind} on network ${covering.finding.network}${coveringId ? ` (incident ${coveringId})` : ""}`
    : WITHDRAWN;
  const endedAt = prev.endedAt ?? at;
  const summary = `${prev.summary.replace(/, ongoing\.$/, `, to ${utc(endedAt)}.`)} Withdrawn on ${utc(at)}: ${reason.slice(WITHDRAWN.length + 2) || "later measurements do not support it"}.`;
  return {
    ...prev,
    status: "closed",
    endedAt,
    summary,
    revisedAt: at,
    revisions: [...prev.revisions, { at, field: "status", from: prev.status, to: "closed", reason }],
  };
}

/** Closed because no active probe was left (closeRetired): final too. */
export function isClosedRetired(i: Incident): boolean {
  return i.revisions.some((r) => r.field === "status" && r.to === "closed" && r.reason.startsWith(PROBES_RETIRED));
}

export const PROBES_RETIRED = "no active probe left to judge this by";

/**
 * Closes an open `dark` incident whose network (or region) has no active probe any more (retired, moved
 * or removed from the config): silence from nobody is not darkness, but it did happen, so it ends here
 * rather than being withdrawn.
 */
export function closeRetired(prev: Incident, at: string, why: string): Incident {
  const reason = `${PROBES_RETIRED}: ${why}`;
  return {
    ...prev,
    status: "closed",
    endedAt: at,
    summary: `${prev.summary.replace(/, ongoing\.$/, `, to ${utc(at)}.`)} Closed: ${reason}.`,
    revisions: [...prev.revisions, { at, field: "status", from: prev.status, to: "closed", reason }],
  };
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
  // Becoming confirmed is news (channels with minConfidence "confirmed" hear of it first here).
  if (prev.confidence !== next.confidence) record("confidence", `${next.confidence === "confirmed" ? "more probes or networks now agree" : "fewer probes or networks agree"}`, false);
  if (prev.status === "open" && next.status === "closed") types.add("closed");

  next.revisions = revisions;
  next.revisedAt = types.has("revised") ? at : prev.revisedAt;
  if (JSON.stringify(next) === JSON.stringify(prev)) return null;
  // Order: what changed, then closing.
  const order: IncidentChange[] = ["revised", "kind_changed", "closed"];
  return { incident: next, types: order.filter((t) => types.has(t)) };
}
