// The logger as the entry points create it: addresses and secrets never reach a line.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";

describe("createLogger redaction", () => {
  it("redacts address keys at any of the first levels, inside errors and their causes, and proxy headers", async () => {
    let out = "";
    const log = createLogger({ destination: new Writable({ write(c, _e, cb) { out += String(c); cb(); } }) });
    const socketError = Object.assign(new Error("connect ECONNRESET"), { address: "198.18.77.77", port: 48666 });
    log.error({
      err: socketError, address: "198.18.77.77", remoteAddress: "198.18.77.77", ip: "198.18.77.77",
      req: { remoteAddress: "198.18.77.77", headers: { "x-forwarded-for": "198.18.77.77", "x-real-ip": "198.18.77.77" } },
      upload: { client: { address: "198.18.77.77" } }, token: "kwp_secret", nested: { authorization: "Bearer kwp_secret" },
    }, "socket error");
    log.error({ err: new Error("outer", { cause: socketError }) }, "wrapped");
    log.warn({ job: { err: socketError } }, "nested error");
    await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain("socket error");
    expect(out).not.toContain("198.18.77.77");
    expect(out).not.toContain("kwp_secret");
    expect(out).toContain("[redacted]");
  });
});
