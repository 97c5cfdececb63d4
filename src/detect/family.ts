// Incident kinds by family: hysteresis runs and cross-network agreement compare kinds of one family.
import type { IncidentKind } from "../incident.js";

export type Family = "reachability" | "performance" | "dark";

export function familyOf(kind: IncidentKind): Family {
  if (kind === "throttling") return "performance";
  if (kind === "dark") return "dark";
  return "reachability";
}

