// The words of an alert in one language. Each language is one file next to this one, so a translator
// edits one file and the type checker tells them when a phrase is missing.
import type { IncidentKind } from "../../incident.js";

export const LANGUAGES = ["kk", "ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Phrases {
  /** Short name of each incident kind, as used inside a sentence. */
  kind: Record<IncidentKind, string>;
  /** One sentence: what a reader on the ground experiences. */
  explain: Record<IncidentKind, string>;
  headline: {
    opened(kind: string, region: string): string;
    kindChanged(from: string, to: string, region: string): string;
    revised(kind: string, region: string): string;
    reminder(kind: string, region: string, duration: string): string;
    closed(kind: string, region: string): string;
  };
  label: {
    region: string;
    network: string;
    /** Shown instead of a network when the incident covers the whole region. */
    allNetworks: string;
    started: string;
    lastGood: string;
    ended: string;
    duration: string;
    confidence: string;
    targets: string;
    summary: string;
    previousKind: string;
    revised: string;
    details: string;
    unknown: string;
  };
  confidence: { confirmed: string; suspected: string };
  duration(days: number, hours: number, minutes: number): string;
}

/** Joins the non-zero units, always showing at least minutes. */
export function joinDuration(
  days: number, hours: number, minutes: number, units: { d: string; h: string; min: string },
): string {
  const out: string[] = [];
  if (days) out.push(`${days} ${units.d}`);
  if (hours) out.push(`${hours} ${units.h}`);
  if (minutes || out.length === 0) out.push(`${minutes} ${units.min}`);
  return out.join(" ");
}
