// Open incidents and when each was last alerted, kept in Redis next to the queue so reminders survive a
// restart: after one, the next reminder is due from the stored time, not from the restart.
import type { Redis } from "ioredis";
import type { Incident } from "../incident.js";

export interface OpenIncidentEntry {
  incident: Incident;
  /** Last time any alert (opened, change, reminder) went out for it, ms since epoch. */
  lastAlertAt: number;
  /** Reminders sent so far; the next one is number reminders + 1. */
  reminders: number;
}

// Claims reminder n only if the incident is still open and n is new: two schedulers, or a tick racing a
// close, cannot both send it or resurrect a closed incident.
const CLAIM_REMINDER = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
local n = 0
if cur then n = tonumber(string.match(cur, '|(%d+)$')) or 0 end
if n >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '|' .. ARGV[2])
return 1`;

function parseState(v: string | undefined): { lastAlertAt: number; reminders: number } {
  const [at, n] = (v ?? "0|0").split("|");
  return { lastAlertAt: Number(at) || 0, reminders: Number(n) || 0 };
}

export class OpenIncidentTracker {
  private readonly incidentsKey: string;
  private readonly stateKey: string;

  constructor(private readonly redis: Redis, keyPrefix: string) {
    this.incidentsKey = `${keyPrefix}:alerts:open-incidents`;
    this.stateKey = `${keyPrefix}:alerts:open-state`;
  }

  /** First sight of an incident; a repeated "opened" keeps the stored alert time (no reset, no spam). */
  async opened(incident: Incident, at: Date): Promise<void> {
    await this.redis.multi()
      .hset(this.incidentsKey, incident.id, JSON.stringify(incident))
      .hsetnx(this.stateKey, incident.id, `${at.getTime()}|0`)
      .exec();
  }

  /** A change was alerted: keep the newest incident and restart the reminder clock. */
  async changed(incident: Incident, at: Date): Promise<void> {
    const { reminders } = parseState((await this.redis.hget(this.stateKey, incident.id)) ?? undefined);
    await this.redis.multi()
      .hset(this.incidentsKey, incident.id, JSON.stringify(incident))
      .hset(this.stateKey, incident.id, `${at.getTime()}|${reminders}`)
      .exec();
  }

  async closed(incidentId: string): Promise<void> {
    await this.redis.multi().hdel(this.incidentsKey, incidentId).hdel(this.stateKey, incidentId).exec();
  }

  async list(): Promise<OpenIncidentEntry[]> {
    const [incidents, states] = await Promise.all([this.redis.hgetall(this.incidentsKey), this.redis.hgetall(this.stateKey)]);
    return Object.entries(incidents).map(([id, json]) => ({ incident: JSON.parse(json) as Incident, ...parseState(states[id]) }));
  }

  /** Records reminder n as sent at `at`; false when it was already claimed or the incident closed. */
  async claimReminder(incidentId: string, n: number, at: Date): Promise<boolean> {
    const r = await this.redis.eval(CLAIM_REMINDER, 2, this.incidentsKey, this.stateKey, incidentId, String(n), String(at.getTime()));
    return r === 1;
  }
}
