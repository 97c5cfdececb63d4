// The control vantage's usual performance per target (medians of its per-window figures), for telling a slow
// server from throttling.
import type { ControlBaseline } from "./baseline-types.js";
import { median } from "./median.js";
import { push } from "./multimap.js";
import type { ControlWindow } from "./window.js";

/** Medians of the control's per-window performance per target; windows must be added in order. */
export class ControlBaselineBuilder {
  private readonly throughputs = new Map<string, number[]>();
  private readonly handshakes = new Map<string, number[]>();

  add(windows: Iterable<ControlWindow>): void {
    for (const cw of windows) {
      for (const [url, c] of cw) {
        if (c.throughputCount > 0) push(this.throughputs, url, c.throughputSum / c.throughputCount);
        if (c.tlsHandshakeCount > 0) push(this.handshakes, url, c.tlsHandshakeSum / c.tlsHandshakeCount);
      }
    }
  }

  build(): ControlBaseline {
    const out: ControlBaseline = {};
    for (const url of new Set([...this.throughputs.keys(), ...this.handshakes.keys()])) {
      out[url] = { throughput: median(this.throughputs.get(url) ?? []), tlsHandshake: median(this.handshakes.get(url) ?? []) };
    }
    return out;
  }
}
