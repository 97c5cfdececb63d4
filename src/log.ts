// Structured logs with pino. A logger is created once by the entry point and passed down; nothing
// imports a global one. Redaction keeps addresses of clients and secrets out of every line. On a terminal
// lines are pretty (pino-pretty: time, level, message, fields on one line); anywhere else, or with
// `--log-format json` / KEEPWATCH_LOG_FORMAT=json, one JSON object per line. Redaction happens before either.
// pino-pretty is required only when a logger is pretty: a service (the volunteer agent under systemd or in a
// container) logs JSON and never holds it in memory.
import { createRequire } from "node:module";
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

const require = createRequire(import.meta.url);

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

export type LogFormat = "pretty" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["pretty", "json"];

/** Pretty on a terminal, JSON otherwise, unless KEEPWATCH_LOG_FORMAT says. */
export function defaultLogFormat(isTty = process.stdout.isTTY === true): LogFormat {
  const env = process.env.KEEPWATCH_LOG_FORMAT;
  if (env === "json" || env === "pretty") return env;
  return isTty ? "pretty" : "json";
}

export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream; format?: LogFormat } = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? "keepwatch",
    level: opts.level ?? process.env.KEEPWATCH_LOG_LEVEL ?? "info",
    redact: {
      paths: REDACTED_PATHS,
      censor: "[redacted]",
    },
  };
  const format = opts.format ?? (opts.destination ? "json" : defaultLogFormat());
  if (format === "pretty") {
    const { PinoPretty } = require("pino-pretty") as typeof import("pino-pretty");
    const pretty = PinoPretty({
      colorize: opts.destination === undefined && process.stdout.isTTY === true,
      translateTime: "SYS:HH:MM:ss",
      ignore: "pid,hostname,name",
      singleLine: true,
      sync: true,
      ...(opts.destination ? { destination: opts.destination as NodeJS.WritableStream } : {}),
    });
    return pino(options, pretty);
  }
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
