// Structured logs with pino. A logger is created once by the entry point and passed down; nothing
// imports a global one. Redaction keeps addresses of clients and secrets out of every line.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? "keepwatch",
    level: opts.level ?? process.env.KEEPWATCH_LOG_LEVEL ?? "info",
    redact: {
      // `address` too: Node's network errors carry the peer as err.address (an ECONNREFUSED, a socket error).
      paths: ["ip", "clientIp", "remoteAddress", "address", "*.ip", "*.remoteAddress", "*.address", "*.*.address",
        "token", "*.token", "authorization", "*.authorization", "secret", "*.secret", "pass", "*.pass", "botToken",
        "*.botToken"],
      censor: "[redacted]",
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
