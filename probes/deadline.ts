// One deadline for a whole operation (a site check, a fetch with its redirects): a single AbortSignal that
// fires when the time is up or when the caller aborts, and the seconds left for each step started on the way.
// Every prober reads an abort as its own timeout, so a step cut by the deadline reports *_timeout.
import { performance } from "node:perf_hooks";

export interface Deadline {
  signal: AbortSignal;
  /** Seconds left; never 0, which a prober would take as "no time at all" before it even started. */
  remaining(): number;
  /** Stops the timer and lets go of the caller's signal; call when the operation is over. */
  done(): void;
}

export function startDeadline(timeoutSeconds: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  const end = performance.now() + timeoutSeconds * 1000;
  const timer = setTimeout(() => controller.abort(), timeoutSeconds * 1000);
  const onOuter = () => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener("abort", onOuter, { once: true });
  return {
    signal: controller.signal,
    remaining: () => Math.max(0.001, (end - performance.now()) / 1000),
    done() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuter);
    },
  };
}
