// probeThroughput against real loopback servers: full downloads, the byte cap, the time cap (a
// rate-limited body), and failures named at the layer where they happened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeThroughput } from "../../probes/throughput.js";
import { throughputResultSchema } from "../../probes/types.js";
import type { ThroughputResult } from "../../probes/types.js";
import { makeTestPki } from "../helpers/certs.js";
import type { TestPki } from "../helpers/certs.js";
import { startTestHttpServer } from "../helpers/http-servers.js";
import type { TestHttpServer } from "../helpers/http-servers.js";
import { finerThanMicroseconds, fractionalNumbers } from "../helpers/timings.js";

let pki: TestPki;
let plain: TestHttpServer;
let secure: TestHttpServer;

beforeAll(async () => {
  pki = makeTestPki();
  plain = await startTestHttpServer({ address: "127.0.0.5" });
  secure = await startTestHttpServer({ address: "127.0.0.6", tls: pki.leaf(["speed.test"]) });
});

afterAll(async () => {
  await Promise.all([plain?.close(), secure?.close()]);
  pki?.cleanup();
});

const valid = (r: ThroughputResult) => throughputResultSchema.parse(r);
const fetchFrom = (path: string, opts: Partial<Parameters<typeof probeThroughput>[1]> = {}) =>
  probeThroughput({ url: `http://speed.test:${plain.port}${path}`, address: "127.0.0.5" }, { timeoutSeconds: 2, ...opts });

describe("probeThroughput", () => {
  it("downloads a whole object below the caps and reports its rate", async () => {
    const r = valid(await fetchFrom("/fixed?bytes=300000"));
    expect(r.failure).toBeNull();
    expect(r.capped).toBeNull();
    expect(r.bytes).toBe(300_000);
    expect(r.firstByte).not.toBeNull();
    expect(r.seconds).toBeGreaterThan(0);
    // A whole number of bytes per second, from the unrounded time: within 1 B/s and the half microsecond
    // by which the reported seconds may differ.
    expect(Number.isInteger(r.bytesPerSecond)).toBe(true);
    expect(Math.abs(r.bytesPerSecond! - r.bytes / r.seconds)).toBeLessThanOrEqual(0.5 + (r.bytes / r.seconds) * (0.5e-6 / r.seconds) * 1.01);
    expect(finerThanMicroseconds(r)).toEqual([]);
    expect(fractionalNumbers(r)).toBe(2); // seconds and firstByte
  });

  it("stops at the byte cap", async () => {
    const r = valid(await fetchFrom("/fixed?bytes=2000000", { maxBytes: 250_000 }));
    expect(r.failure).toBeNull();
    expect(r.capped).toBe("bytes");
    expect(r.bytes).toBe(250_000);
  });

  it("does not call an object of exactly the cap's size capped", async () => {
    const r = valid(await fetchFrom("/fixed?bytes=250000", { maxBytes: 250_000 }));
    expect(r).toMatchObject({ failure: null, capped: null, bytes: 250_000 });
  });

  it("stops at the time cap on a slow body, having read only part of it", async () => {
    // 1 MB at 40 kB/s would take 25 s; the cap ends it after 0.4 s of transfer.
    const r = valid(await fetchFrom("/slow?bytes=1000000&rate=40000", { maxSeconds: 0.4 }));
    expect(r.failure).toBeNull();
    expect(r.capped).toBe("time");
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.bytes).toBeLessThan(1_000_000);
    expect(r.seconds).toBeCloseTo(0.4, 5); // the transfer window is the cap by definition
  });

  it("works over https with a custom CA, keeping SNI", async () => {
    const r = valid(await probeThroughput(
      { url: `https://speed.test:${secure.port}/fixed?bytes=100000`, address: "127.0.0.6" },
      { timeoutSeconds: 2, ca: pki.caCert },
    ));
    expect(r).toMatchObject({ failure: null, bytes: 100_000, capped: null });
    expect(secure.requests.at(-1)?.servername).toBe("speed.test");
  });

  it("names the layer that failed", async () => {
    const refused = valid(await probeThroughput({ url: `http://speed.test:${plain.port}/fixed`, address: "127.0.0.7" }, { timeoutSeconds: 2 }));
    expect(refused).toMatchObject({ failure: "tcp_refused", bytes: 0, firstByte: null, bytesPerSecond: null });

    const untrusted = valid(await probeThroughput({ url: `https://speed.test:${secure.port}/fixed`, address: "127.0.0.6" }, { timeoutSeconds: 2 }));
    expect(untrusted.failure).toBe("tls_cert_untrusted");

    const stalled = valid(await fetchFrom("/stall", { timeoutSeconds: 0.3 }));
    expect(stalled.failure).toBe("http_timeout");

    const reset = valid(await fetchFrom("/reset"));
    expect(reset.failure).toBe("http_reset");
    expect(reset.bytes).toBeGreaterThan(0); // what came before the reset still counts

    const eof = valid(await fetchFrom("/eof"));
    expect(eof.failure).toBe("http_eof");

    const missing = valid(await fetchFrom("/no-such-object"));
    expect(missing).toMatchObject({ failure: "http_error", bytes: 0 });
  });
});
