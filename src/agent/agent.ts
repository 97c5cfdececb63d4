// The volunteer agent: measures on its own schedule, writes every batch to the spool first, then tries to
// upload everything pending. It never needs the server to keep measuring, and holds no Redis credentials.
// Nothing it writes contains the volunteer's own address: Measurements record only what the probe saw of
// targets and resolvers.
import { schedule, type ScheduledTask } from "node-cron";
import type { TargetConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import { runChecks, type ProbeIdentity, type TargetChecker } from "../worker/run-checks.js";
import { isLocalFailure } from "../measurement.js";
import type { LocalCheck } from "./local-check.js";
import type { Spool } from "./spool.js";
import { uploadSpool, type UploadReport, type UploaderOptions } from "./uploader.js";

export interface AgentOptions {
  who: ProbeIdentity;
  targets: TargetConfig[];
  checker: TargetChecker;
  spool: Spool;
  upload: UploaderOptions;
  cron: string;
  concurrency: number;
  log: Logger;
  /** The volunteer's own connectivity, checked before each round (local-check.ts); absent = not checked. */
  localCheck?: () => Promise<LocalCheck>;
}

export class Agent {
  private task: ScheduledTask | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: AgentOptions) {}

  /** One round: measure, spool, upload what is pending. */
  async round(): Promise<{ measured: number; upload: UploadReport }> {
    const local = await this.o.localCheck?.();
    const measured = await runChecks(this.o.who, this.o.targets, this.o.checker, this.o.concurrency);
    // Every measurement of the round says how the volunteer's own link was: the server leaves out rounds
    // taken while the gateway or the local resolver did not answer (Measurement.local).
    const measurements = local ? measured.map((m) => ({ ...m, local })) : measured;
    if (local && isLocalFailure({ local })) this.o.log.warn({ local }, "local connectivity failed: this round will not count");
    this.o.spool.append(measurements);
    const upload = await this.flush();
    return { measured: measurements.length, upload };
  }

  async flush(): Promise<UploadReport> {
    const report = await uploadSpool(this.o.spool, this.o.upload);
    if (report.stoppedBecause) {
      this.o.log.warn({ pending: report.segmentsLeft, reason: report.stoppedBecause }, "upload postponed; measurements stay spooled");
    } else if (report.uploaded > 0) {
      this.o.log.info({ uploaded: report.uploaded, rejected: report.rejected }, "uploaded spooled measurements");
    }
    return report;
  }

  start(): void {
    this.task = schedule(this.o.cron, () => {
      this.running = this.round().catch((e: unknown) => this.o.log.error({ err: e }, "agent round failed"));
    }, { noOverlap: true });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    await this.running;
  }
}
