// The volunteer agent: measures on its own schedule, writes every batch to the spool first, then tries to
// upload everything pending. It never needs the server to keep measuring, and holds no Redis credentials.
// Nothing it writes contains the volunteer's own address: Measurements record only what the probe saw of
// targets and resolvers.
import type { TargetConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import { runChecks, toMeasurement, type ProbeIdentity, type TargetChecker } from "../worker/run-checks.js";
import { isLocalFailure, type Measurement } from "../measurement.js";
import type { LocalCheck } from "./local-check.js";
import { unmeasuredCheck, type MeasuredInterface } from "./measure-via.js";
import type { NetworkAttribution } from "./attribution.js";
import type { Spool } from "./spool.js";
import { uploadSpool, type UploadReport, type UploaderOptions } from "./uploader.js";
import { releaseMemory } from "./release-memory.js";
import { scheduleCron, type CronTask } from "./cron-schedule.js";

/** What one round did, for the heartbeat. */
export interface RoundReport {
  at: Date;
  measured: number;
  upload: UploadReport;
  /** Why the --measure-via interface could not be used this round (for the heartbeat), or null. */
  measureViaProblem: string | null;
}

export interface AgentOptions {
  who: ProbeIdentity;
  /** Fixed targets, or the current assignment's (read at the start of every round). */
  targets: TargetConfig[] | (() => Promise<TargetConfig[]>);
  /** Runs after every round (the heartbeat); its failure is logged, never fatal. */
  afterRound?: (r: RoundReport) => Promise<void>;
  checker: TargetChecker;
  spool: Spool;
  upload: UploaderOptions;
  cron: string;
  concurrency: number;
  log: Logger;
  /** The volunteer's own connectivity, checked before each round (local-check.ts); absent = not checked. */
  localCheck?: () => Promise<LocalCheck>;
  /**
   * --measure-via: each round measures through this interface with a checker bound to its address (then
   * `checker` and `localCheck` are not used); when it has none, the round records that instead.
   */
  measureVia?: Pick<MeasuredInterface, "prepare">;
  /** Which network each round was measured on (attribution.ts); absent = measurements carry none. */
  attribution?: NetworkAttribution;
}

/** Backoff between upload retries when the server cannot take the spool (doubles, capped). */
const RETRY_MIN_SECONDS = 30;
const RETRY_MAX_SECONDS = 30 * 60;

export class Agent {
  private task: CronTask | null = null;
  private running: Promise<unknown> = Promise.resolve();
  /** Uploads run one at a time: a round's flush and a retry timer's flush never race over the spool. */
  private flushing: Promise<UploadReport> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelaySeconds = RETRY_MIN_SECONDS;
  private stopped = false;

  constructor(private readonly o: AgentOptions) {}

  /** One round: measure, spool, upload what is pending. */
  async round(): Promise<RoundReport> {
    const at = new Date();
    const path = await this.o.measureVia?.prepare();
    if (path?.reason) this.o.log.warn({ reason: path.reason }, "the measured interface has no address: nothing is measured through another route this round");
    // No whoami in a round that cannot use the measured interface: it would ask by another route.
    const asked = path?.checker === null ? undefined : await this.o.attribution?.beginRound();
    let local = path ? path.local : await this.o.localCheck?.();
    const targets = typeof this.o.targets === "function" ? await this.o.targets() : this.o.targets;
    let measured: Measurement[];
    if (path && path.checker === null) {
      const failure = path.failure ?? "measure_via_down";
      measured = targets.map((t) => toMeasurement(this.o.who, t, at, { check: unmeasuredCheck(t.url, failure), throughput: null }));
    } else {
      measured = await runChecks(this.o.who, targets, path?.checker ?? this.o.checker, this.o.concurrency);
    }
    const attribution = asked ? await this.o.attribution!.endRound(asked) : undefined;
    // Lost (or changed) its address mid-round: those failures were the interface's, not the network's.
    if (path && !path.unchanged()) local = { gateway: "none", resolver: "unknown" };
    // Every measurement of the round says how the volunteer's own link was (the server leaves out rounds
    // taken while the gateway or the local resolver did not answer: Measurement.local) and which network
    // it was on (rounds on another network than the probe's are left out too: Measurement.attribution).
    const measurements = measured.map((m) => ({ ...m, ...(local && { local }), ...(attribution && { attribution }) }));
    if (local && isLocalFailure({ local })) this.o.log.warn({ local }, "local connectivity failed: this round will not count");
    this.o.spool.append(measurements);
    const upload = await this.flush();
    const report = { at, measured: measurements.length, upload, measureViaProblem: path?.reason ?? null };
    await this.o.afterRound?.(report).catch((e: unknown) => this.o.log.warn({ err: e }, "after-round step failed"));
    releaseMemory();
    return report;
  }

  flush(): Promise<UploadReport> {
    this.flushing ??= this.uploadOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async uploadOnce(): Promise<UploadReport> {
    const report = await uploadSpool(this.o.spool, this.o.upload);
    if (report.quarantined > 0) {
      this.o.log.warn({ quarantined: report.quarantined }, "the server refused some measurements as invalid; they are in the spool's quarantine (keepwatch agent spool)");
    }
    if (report.stoppedBecause) {
      this.scheduleRetry(report.retryAfterSeconds);
      this.o.log.warn({ pendingSegments: report.segmentsLeft, reason: report.stoppedBecause, retryInSeconds: this.retryDelaySeconds }, "upload postponed; measurements stay spooled");
    } else {
      this.retryDelaySeconds = RETRY_MIN_SECONDS;
      if (report.uploaded > 0) this.o.log.info({ uploaded: report.uploaded }, "uploaded spooled measurements");
    }
    return report;
  }

  /** Retries the upload between rounds, so a spool drains soon after the server is reachable again. */
  private scheduleRetry(retryAfterSeconds: number | null): void {
    if (this.stopped || this.task === null) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const delay = Math.max(this.retryDelaySeconds, retryAfterSeconds ?? 0);
    this.retryDelaySeconds = Math.min(RETRY_MAX_SECONDS, this.retryDelaySeconds * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush().then(releaseMemory, (e: unknown) => this.o.log.error({ err: e }, "spool upload failed"));
    }, delay * 1000);
    this.retryTimer.unref();
  }

  /** Starts the schedule (rejects on an invalid cron expression) and sends what the spool holds. */
  async start(): Promise<void> {
    this.task = await scheduleCron(this.o.cron, () => {
      // Not returned: a round waits for its upload, and an upload stuck behind a cut-off network must not
      // hold back the next round's measuring (the agent keeps measuring while offline; the spool is shared).
      this.running = this.round().catch((e: unknown) => this.o.log.error({ err: e }, "agent round failed"));
    });
    // Whatever an earlier run left in the spool goes out now, not at the first round.
    // Then one collection, as after a round: draining a long outage's spool grows the heap too.
    void this.flush().then(releaseMemory, (e: unknown) => this.o.log.error({ err: e }, "spool upload failed"));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.task?.destroy();
    await this.running;
    await this.flushing;
  }
}
