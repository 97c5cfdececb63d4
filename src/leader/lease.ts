// Leader election for one singleton role (detector, scheduler, alerts) over Redis: a lease key taken with
// SET NX PX, a fencing token from INCR taken in the same script (so every leadership has a larger token
// than the one before), renewal by a Lua compare-and-extend, and release by compare-and-delete. A leader
// that cannot renew (Redis gone, process frozen) treats itself as demoted once its lease could have
// expired — measured on its own monotonic clock from *before* the command that took or extended it — so
// by the time a follower can take the key, the old leader has already stopped. Work that must not be done
// twice (committing a detector pass, sending an alert) calls confirm() right before it: a round trip that
// checks the key still holds this leadership's token.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";

/** Atomically: take the lease if free, with a new fencing token. Returns the token, or null if held. */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return nil end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '#' .. token, 'PX', ARGV[2])
return token`;
/** Extends the lease only if it still carries this leadership's value. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const HOLDS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class NotLeaderError extends Error {
  constructor(role: string) {
    super(`no longer the ${role} leader`);
    this.name = "NotLeaderError";
  }
}

export interface LeaderLeaseOptions {
  /** A connection with a command timeout below ttlMs / 3 (a frozen Redis must not stall renewal). */
  redis: Redis;
  role: string;
  /** How long a lease lives without renewal: a follower takes over at most about this long after a leader dies. */
  ttlMs: number;
  /** This process, in the lease value and logs: host, pid and a random part. */
  instance?: string;
  keyPrefix?: string;
  log: Pick<Logger, "info" | "warn">;
  /** Called (one at a time, in order) when this process becomes leader and when it stops being leader. */
  onElected?: (token: number) => Promise<void> | void;
  onDemoted?: () => Promise<void> | void;
}

export function instanceName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

export class LeaderLease {
  readonly role: string;
  readonly instance: string;
  private readonly key: string;
  private readonly fenceKey: string;
  private value: string | null = null;
  private fencingToken: number | null = null;
  /** performance.now() after which the lease may have expired in Redis. */
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Steps down when the lease may have expired, even while a renewal is still waiting for Redis. */
  private expiryTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private transitions: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: LeaderLeaseOptions) {
    if (!(opts.ttlMs >= 1000)) throw new RangeError("lease ttlMs must be at least 1000");
    this.role = opts.role;
    this.instance = opts.instance ?? instanceName();
    const prefix = opts.keyPrefix ?? "keepwatch:leader:";
    this.key = `${prefix}${opts.role}`;
    this.fenceKey = `${prefix}${opts.role}:fence`;
  }

  /** True while this process holds the lease by its own clock (no round trip). */
  get leading(): boolean {
    return this.value !== null && performance.now() < this.validUntil;
  }

  /** This leadership's fencing token (larger than every earlier leader's), or null when following. */
  get token(): number | null {
    return this.leading ? this.fencingToken : null;
  }

  /** Starts trying to lead, and renewing while leading, every ttlMs / 3. */
  start(): void {
    this.stopped = false;
    const every = Math.max(200, Math.floor(this.opts.ttlMs / 3));
    const loop = () => {
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, every);
      });
    };
    loop();
  }

  /** One attempt: renew if leading, else try to take the lease. Exposed for tests. */
  async tick(): Promise<void> {
    const sentAt = performance.now();
    if (this.value !== null) {
      let renewed = false;
      try {
        renewed = Number(await this.opts.redis.eval(RENEW, 1, this.key, this.value, String(this.opts.ttlMs))) === 1;
      } catch {
        // Redis unreachable: keep the lease until it may have expired, then step down below.
        if (performance.now() < this.validUntil) return;
      }
      if (renewed && !this.stopped && this.value !== null) {
        this.extendTo(sentAt + this.safeTtl());
        return;
      }
      this.demote(this.stopped ? "stopping" : "lease lost or expired");
      return;
    }
    if (this.stopped) return;
    let token: unknown;
    try {
      token = await this.opts.redis.eval(ACQUIRE, 2, this.key, this.fenceKey, this.instance, String(this.opts.ttlMs));
    } catch {
      return; // Redis unreachable: nobody who cannot reach it may lead.
    }
    if (token === null || this.stopped) return;
    this.fencingToken = Number(token);
    this.value = `${this.instance}#${this.fencingToken}`;
    this.extendTo(sentAt + this.safeTtl());
    this.opts.log.info({ role: this.role, token: this.fencingToken, instance: this.instance }, "elected leader");
    const t = this.fencingToken;
    this.enqueue(() => this.opts.onElected?.(t));
  }

  /**
   * A round trip: true only if the lease in Redis still carries this leadership's token and it has not
   * expired by this process's clock. Call right before work that must happen once.
   */
  async confirm(): Promise<boolean> {
    const value = this.value;
    if (value === null || !this.leading) return false;
    try {
      return Number(await this.opts.redis.eval(HOLDS, 1, this.key, value)) === 1 && this.leading && this.value === value;
    } catch {
      return false;
    }
  }

  /** confirm() that throws NotLeaderError. */
  async assertLeading(): Promise<void> {
    if (!(await this.confirm())) throw new NotLeaderError(this.role);
  }

  /** Gives up this leadership now (e.g. the role failed to start) and releases the lease; keeps trying later. */
  async resign(): Promise<void> {
    const value = this.value;
    if (value === null) return;
    this.demote("resigned");
    await this.opts.redis.eval(RELEASE, 1, this.key, value).catch(() => undefined);
  }

  /** Stops trying, lets the role stop (onDemoted) and releases the lease so a follower need not wait it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    const value = this.value;
    if (value !== null) this.demote("stopping");
    await this.transitions;
    if (value !== null) await this.opts.redis.eval(RELEASE, 1, this.key, value).catch(() => undefined);
  }

  /** Lease time this process may count on: the TTL less a margin for clock rate differences. */
  private safeTtl(): number {
    return this.opts.ttlMs * 0.9 - 50;
  }

  private extendTo(until: number): void {
    this.validUntil = until;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => {
      if (performance.now() >= this.validUntil) this.demote("lease expired without renewal");
    }, Math.max(0, until - performance.now()) + 1);
  }

  private demote(reason: string): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (this.value === null) return;
    this.opts.log[reason === "stopping" ? "info" : "warn"]({ role: this.role, token: this.fencingToken, reason }, "no longer leader");
    this.value = null;
    this.fencingToken = null;
    this.validUntil = 0;
    this.enqueue(() => this.opts.onDemoted?.());
  }

  private enqueue(fn: () => Promise<void> | void): void {
    this.transitions = this.transitions.then(fn).catch((err: unknown) => this.opts.log.warn({ err, role: this.role }, "leader transition failed"));
  }

  /** Resolves when the elected/demoted callbacks queued so far have run. */
  settled(): Promise<void> {
    return this.transitions;
  }
}
