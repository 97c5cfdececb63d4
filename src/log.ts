// Structured logs with pino. A logger is created once by the entry point and passed down; nothing
// imports a global one. Redaction keeps addresses of clients and secrets out of every line.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

// Address-bearing keys at the top, one and two levels down, and inside errors (a socket error carries
// .address; a wrapped one its .cause), plus the headers a proxy puts a client's address in.
const ADDRESS_KEYS = ["ip", "clientIp", "address", "remoteAddress", "localAddress", "xForwardedFor", "forwardedFor"];
const SECRET_KEYS = ["token", "authorization", "secret", "pass", "botToken"];
const ADDRESS_HEADERS = ['headers["x-forwarded-for"]', 'headers["x-real-ip"]', "headers.forwarded"];

export const REDACTED_PATHS: string[] = [
  ...[...ADDRESS_KEYS, ...SECRET_KEYS].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  ...ADDRESS_KEYS.flatMap((k) => [`err.${k}`, `err.cause.${k}`, `error.${k}`, `*.err.${k}`, `err.errors[*].${k}`]),
  ...ADDRESS_HEADERS.flatMap((h) => [h, `*.${h}`, `*.*.${h}`]),
];

export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? "keepwatch",
    level: opts.level ?? process.env.KEEPWATCH_LOG_LEVEL ?? "info",
    redact: {
      paths: REDACTED_PATHS,
      censor: "[redacted]",
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
