// The events alerts are sent for. The detector publishes IncidentEvents; the dispatcher turns each into an
// AlertEvent (plus its own reminders) whose id is derived from what happened, not from when it was seen,
// so the same event published twice (a retry, a restart) has the same id and is delivered once.
import { createHash } from "node:crypto";
import type { Incident, IncidentKind } from "../incident.js";

/** What the detector says happened to an incident. */
export type IncidentEventType = "opened" | "kind_changed" | "revised" | "closed";
export type AlertEventType = IncidentEventType | "reminder";

export const ALERT_EVENT_TYPES: readonly AlertEventType[] = ["opened", "kind_changed", "revised", "closed", "reminder"];

export interface IncidentEvent {
  type: IncidentEventType;
  /** The incident as it is after the event. */
  incident: Incident;
  /** For kind_changed: the kind before the change. */
  previousKind?: IncidentKind | null;
  /** When it happened (ISO 8601 UTC); defaults to the incident's own time for the event. */
  at?: string;
}

export interface AlertEvent {
  /** Stable id: the same event always gets the same id (receivers can dedupe on it). */
  id: string;
  type: AlertEventType;
  at: string;
  incident: Incident;
  previousKind: IncidentKind | null;
  /** 1, 2, 3 … for reminders, null otherwise. */
  reminder: number | null;
}

/** The moment that identifies the event: two events of the same type on one incident differ in it. */
function eventMoment(ev: IncidentEvent): string {
  const i = ev.incident;
  switch (ev.type) {
    case "opened":
      return i.startedAt;
    case "closed":
      return i.endedAt ?? ev.at ?? i.startedAt;
    case "kind_changed":
    case "revised":
      // The detector records every change as a revision (a live kind change leaves revisedAt alone), so
      // the newest revision's time tells A→B→A→B apart and survives a re-emission.
      return i.revisions.at(-1)?.at ?? i.revisedAt ?? ev.at ?? i.startedAt;
  }
}

function hashId(parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
}

export function alertEventFromIncidentEvent(ev: IncidentEvent): AlertEvent {
  const moment = eventMoment(ev);
  const previousKind = ev.type === "kind_changed" ? (ev.previousKind ?? null) : null;
  return {
    id: hashId([ev.type, ev.incident.id, moment, previousKind ?? "", ev.type === "kind_changed" ? ev.incident.kind : ""]),
    type: ev.type,
    at: ev.at ?? moment,
    incident: ev.incident,
    previousKind,
    reminder: null,
  };
}

/** The n-th reminder of an open incident; n makes it unique, so two schedulers cannot both send it. */
export function reminderEvent(incident: Incident, n: number, at: Date): AlertEvent {
  return {
    id: hashId(["reminder", incident.id, String(n)]),
    type: "reminder",
    at: at.toISOString(),
    incident,
    previousKind: null,
    reminder: n,
  };
}
