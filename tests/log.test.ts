// Log lines never carry an address as a field: not at the top, not inside an error (Node's network errors
// have err.address), not one level further down.
import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { createLogger } from "../src/log.js";

describe("log redaction", () => {
  it("redacts addresses as fields, in errors and nested", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: "info", destination: sink });
    const err = Object.assign(new Error("socket hang up"), { code: "ECONNRESET", address: "198.18.77.77", port: 48666 });
    logger.error({ err }, "client error");
    logger.info({ address: "198.18.77.77" }, "peer");
    logger.warn({ conn: { socket: { address: "198.18.77.77" } } }, "nested");
    logger.warn({ remoteAddress: "198.18.77.77", ip: "198.18.77.77" }, "fields");
    const out = lines.join("");
    expect(lines).toHaveLength(4);
    expect(out.match(/"address":"\[redacted\]"/g)?.length).toBe(3);
    expect(out).not.toContain("198.18.77.77");
  });
});
