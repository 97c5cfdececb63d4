// One deadline for a whole operation (a site check, a fetch with its redirects): a single AbortSignal that
// fires when the time is up or when the caller aborts, and the seconds left for each step started on the way.
// Every prober reads an abort as its own timeout, so a step cut by the deadline reports *_timeout.
//
// A deadline's signal remembers when it fires (`firesBy`). A prober given such a signal with a timeout that
// ends no sooner (a site check hands its steps `remaining()` and its signal) arms no timer and no
// AbortController of its own: the signal already ends the step at that moment. Per check that saved about ten
// timers and three AbortControllers (bench/probes.ts; AbortSignal and its listeners are costly in Node).
import { performance } from "node:perf_hooks";

export interface Deadline {
  signal: AbortSignal;
  /** Seconds left; never 0, which a prober would take as "no time at all" before it even started. */
  remaining(): number;
  /** Stops the timer and lets go of the caller's signal; call when the operation is over. */
  done(): void;
}

/** performance.now() (ms) at which each deadline's signal fires at the latest. */
const ends = new WeakMap<AbortSignal, number>();

/**
 * True when `signal` belongs to a deadline that fires no later than `timeoutMs` from now, so a step needs no
 * timer of its own. (A small slack: `remaining()` was read a moment before the step started.)
 */
export function firesBy(signal: AbortSignal | undefined, timeoutMs: number): boolean {
  if (signal === undefined) return false;
  const end = ends.get(signal);
  return end !== undefined && end <= performance.now() + timeoutMs + 1;
}

export function startDeadline(timeoutSeconds: number, outer?: AbortSignal): Deadline {
  const timeoutMs = timeoutSeconds * 1000;
  if (outer !== undefined && firesBy(outer, timeoutMs)) {
    // The caller's deadline comes first: share it rather than race a second timer against it.
    const end = ends.get(outer)!;
    return { signal: outer, remaining: () => Math.max(0.001, (end - performance.now()) / 1000), done: () => undefined };
  }
  const controller = new AbortController();
  const end = performance.now() + timeoutMs;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onOuter = () => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener("abort", onOuter, { once: true });
  ends.set(controller.signal, end);
  return {
    signal: controller.signal,
    remaining: () => Math.max(0.001, (end - performance.now()) / 1000),
    done() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuter);
    },
  };
}
