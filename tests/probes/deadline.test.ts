import { describe, expect, it } from "vitest";
import { firesBy, startDeadline } from "../../probes/deadline.js";
import { createServer, type AddressInfo } from "node:net";
import { handshakeTls } from "../../probes/tls.js";

describe("startDeadline", () => {
  it("aborts its signal when the time is up, and says how long is left until then", async () => {
    const d = startDeadline(0.2);
    expect(d.remaining()).toBeGreaterThan(0.05);
    expect(d.remaining()).toBeLessThanOrEqual(0.2);
    await new Promise((resolve) => d.signal.addEventListener("abort", resolve, { once: true }));
    expect(d.signal.aborted).toBe(true);
    expect(d.remaining()).toBe(0.001); // never 0
    d.done();
  });

  it("aborts when the caller's own signal aborts first", () => {
    const outer = new AbortController();
    const d = startDeadline(30, outer.signal);
    expect(d.signal).not.toBe(outer.signal); // a plain signal has no known end: a timer of our own
    outer.abort();
    expect(d.signal.aborted).toBe(true);
    d.done();
  });

  it("shares a caller's deadline that ends first instead of arming a second one", () => {
    const outer = startDeadline(1);
    const inner = startDeadline(5, outer.signal);
    expect(inner.signal).toBe(outer.signal);
    expect(inner.remaining()).toBeLessThanOrEqual(1);
    inner.done(); // the caller's deadline is the caller's to end
    expect(outer.signal.aborted).toBe(false);
    outer.done();
  });

  it("keeps its own, sooner end under a caller's later deadline", async () => {
    const outer = startDeadline(30);
    const inner = startDeadline(0.1, outer.signal);
    expect(inner.signal).not.toBe(outer.signal);
    await new Promise((resolve) => inner.signal.addEventListener("abort", resolve, { once: true }));
    expect(outer.signal.aborted).toBe(false);
    inner.done();
    outer.done();
  });
});

describe("firesBy", () => {
  it("is true only for a deadline's signal that ends within the given time", () => {
    const d = startDeadline(2);
    expect(firesBy(d.signal, 2000)).toBe(true);
    expect(firesBy(d.signal, 500)).toBe(false); // a step with a shorter timeout of its own keeps its timer
    expect(firesBy(new AbortController().signal, 60_000)).toBe(false);
    expect(firesBy(undefined, 60_000)).toBe(false);
    d.done();
  });

  it("still ends a step that relies on the deadline instead of a timer of its own", async () => {
    // A server that accepts and never answers the ClientHello: only the deadline ends the handshake.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const port = (silent.address() as AddressInfo).port;
    try {
      const d = startDeadline(0.3);
      const r = await handshakeTls({ host: "127.0.0.1", port, serverName: "silent.test" }, { timeoutSeconds: d.remaining(), signal: d.signal });
      expect(r.tcp.failure).toBeNull();
      expect(r.tls.failure).toBe("tls_timeout");
      expect(d.signal.aborted).toBe(true);
      d.done();
    } finally {
      silent.close();
    }
  });
});
