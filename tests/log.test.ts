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

describe("log formats", () => {
  const capture = () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { lines, sink };
  };

  it("pretty: one readable line per entry (time, level, message, fields), with the same redaction", () => {
    const { lines, sink } = capture();
    const logger = createLogger({ level: "info", destination: sink, format: "pretty" });
    logger.warn({ probe: "local-1", address: "198.18.77.77", token: "kwp_secret" }, "probe waiting for setup");
    const out = lines.join("");
    expect(out.trim().split("\n")).toHaveLength(1);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d(\.\d+)?\] WARN: probe waiting for setup /);
    expect(out).toContain('"probe":"local-1"');
    expect(out).not.toContain("198.18.77.77");
    expect(out).not.toContain("kwp_secret");
    expect(() => JSON.parse(out)).toThrow(); // not JSON
  });

  it("json: one JSON object per line", () => {
    const { lines, sink } = capture();
    createLogger({ level: "info", destination: sink, format: "json" }).info({ probe: "local-1" }, "started");
    expect(JSON.parse(lines.join(""))).toMatchObject({ level: 30, msg: "started", probe: "local-1" });
  });

  it("defaults to pretty on a terminal and JSON elsewhere, unless KEEPWATCH_LOG_FORMAT says", async () => {
    const { defaultLogFormat } = await import("../src/log.js");
    const saved = process.env.KEEPWATCH_LOG_FORMAT;
    try {
      delete process.env.KEEPWATCH_LOG_FORMAT;
      expect(defaultLogFormat(true)).toBe("pretty");
      expect(defaultLogFormat(false)).toBe("json");
      process.env.KEEPWATCH_LOG_FORMAT = "json";
      expect(defaultLogFormat(true)).toBe("json");
    } finally {
      if (saved === undefined) delete process.env.KEEPWATCH_LOG_FORMAT;
      else process.env.KEEPWATCH_LOG_FORMAT = saved;
    }
  });
});
