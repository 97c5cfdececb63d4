// Structured logs with pino. A logger is created once by the entry point and passed down; nothing
// imports a global one. Redaction keeps addresses of clients and secrets out of every line.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? "keepwatch",
    level: opts.level ?? process.env.KEEPWATCH_LOG_LEVEL ?? "info",
    redact: {
      paths: ["ip", "clientIp", "remoteAddress", "*.ip", "*.remoteAddress", "token", "*.token", "authorization",
        "*.authorization", "secret", "*.secret", "pass", "*.pass", "botToken", "*.botToken"],
      censor: "[redacted]",
    },
  });
}
