// Which network the agent's measurements were taken on. Every round asks the server (GET /agent/whoami,
// through the measured interface) while it measures; the answer — the AS and country of the address the
// server saw, sealed by the server — goes into each measurement as long as the network did not change
// between the round's start, the answer and the round's end. After a change of local address or route the
// measurements are "unattributed" until an answer confirms the network again. The server judges the sealed
// attribution against the probe's registered network (src/attribution/attributor.ts).
import type { Attribution } from "../measurement.js";
import type { Logger } from "../log.js";
import type { WhoamiAnswer } from "./whoami.js";

export interface NetworkAttributionOptions {
  /** A fingerprint of the local addresses and route (network-watch.ts). */
  fingerprint: () => Promise<string>;
  /** The server's answer, or null when no server answered (has its own deadline). */
  whoami: () => Promise<WhoamiAnswer | null>;
  log?: Logger;
}

export interface RoundStart {
  fingerprint: string;
  answer: Promise<{ answer: WhoamiAnswer | null; fingerprint: string }>;
}

const UNATTRIBUTED: Attribution = { status: "unattributed", asn: null, country: null, confirmedAt: null, seal: null };

export class NetworkAttribution {
  private confirmed: { fingerprint: string; answer: WhoamiAnswer } | null = null;

  constructor(private readonly o: NetworkAttributionOptions) {}

  /** At a round's start: notes the network and asks the server, without waiting for it. */
  async beginRound(): Promise<RoundStart> {
    const fingerprint = await this.o.fingerprint();
    if (this.confirmed && this.confirmed.fingerprint !== fingerprint) {
      this.o.log?.warn("local address or route changed: measurements are unattributed until the server confirms the network");
      this.confirmed = null;
    }
    const answer = this.o.whoami()
      .catch(() => null)
      .then(async (a) => ({ answer: a, fingerprint: await this.o.fingerprint() }));
    return { fingerprint, answer };
  }

  /**
   * At a round's end: the attribution of everything measured since beginRound. Waits for the server's
   * answer only while the network is not confirmed (the answer has its own deadline), so an unreachable
   * server never delays a round on an unchanged network.
   */
  async endRound(start: RoundStart): Promise<Attribution> {
    const end = await this.o.fingerprint();
    const stable = end === start.fingerprint;
    const settled = this.confirmed?.fingerprint === end ? await Promise.race([start.answer, Promise.resolve(null)]) : await start.answer;
    if (settled && settled.answer && settled.fingerprint === start.fingerprint && stable) {
      if (this.confirmed === null) this.o.log?.info({ asn: settled.answer.asn, country: settled.answer.country }, "the server confirmed the network");
      this.confirmed = { fingerprint: end, answer: settled.answer };
    } else if (!stable) {
      this.confirmed = null;
    }
    // A late answer still confirms the network for the rounds after this one.
    if (!settled) void start.answer.then((s) => this.adopt(s, start.fingerprint));
    if (!stable || this.confirmed === null || this.confirmed.fingerprint !== start.fingerprint) return UNATTRIBUTED;
    const a = this.confirmed.answer;
    return { status: "confirmed", asn: a.asn, country: a.country, confirmedAt: a.confirmedAt, seal: a.seal };
  }

  private adopt(s: { answer: WhoamiAnswer | null; fingerprint: string }, asked: string): void {
    if (s.answer && s.fingerprint === asked && this.confirmed?.fingerprint === asked) this.confirmed = { fingerprint: asked, answer: s.answer };
  }
}
