// Which roles this process runs and which singleton roles it currently leads: read by /readyz and by the
// keepwatch_role / keepwatch_leader metrics.
import type { Role, SingletonRole } from "../config/roles.js";
import { isSingletonRole } from "../config/roles.js";

export interface LeadershipSource {
  readonly roles: readonly Role[];
  /** For each singleton role this process runs: whether it leads it now. */
  leading(): Partial<Record<SingletonRole, boolean>>;
}

export class Leadership implements LeadershipSource {
  private readonly checks = new Map<SingletonRole, () => boolean>();

  constructor(readonly roles: readonly Role[]) {}

  /** Registers how to tell whether this process leads `role` (a LeaderLease's `leading`). */
  track(role: SingletonRole, isLeading: () => boolean): void {
    this.checks.set(role, isLeading);
  }

  leading(): Partial<Record<SingletonRole, boolean>> {
    const out: Partial<Record<SingletonRole, boolean>> = {};
    for (const role of this.roles) if (isSingletonRole(role)) out[role] = this.checks.get(role)?.() ?? false;
    return out;
  }
}
