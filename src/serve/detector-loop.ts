// Runs detector passes on an interval, never two at once; a failed pass is logged and the next one retries.
import type { Detector } from "../detect/detector.js";
import { NotLeaderError } from "../leader/lease.js";
import type { Logger } from "../log.js";

export class DetectorLoop {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;

  constructor(private readonly detector: Detector, private readonly intervalMs: number, private readonly log: Logger) {}

  /** One pass now (joins a pass already running). */
  runOnce(): Promise<void> {
    this.current ??= this.detector
      .runPass()
      .then((r) => {
        if (r.events.length > 0) this.log.info({ events: r.events.map((e) => `${e.type}:${e.incident.id}`) }, "incident events");
      })
      .catch((e: unknown) => {
        // A deposed leader's pass: nothing was saved, the new leader's pass covers it.
        if (e instanceof NotLeaderError) this.log.warn({ reason: e.message }, "detector pass not committed: leadership lost");
        else this.log.error({ err: e }, "detector pass failed");
      })
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    void this.runOnce();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current;
  }
}
