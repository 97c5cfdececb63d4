// Where Redis is, from one URL: redis://, rediss:// (TLS) or redis-sentinel:// (a highly available Redis
// behind Sentinel). The sentinel form names the sentinels and the master's name:
//   redis-sentinel://[user:password@]host:26379,host2:26379/mymaster[?db=0&sentinelPassword=…&tls=true]
// The password in front is the master's (as in redis://); sentinels that need their own give
// sentinelPassword. ioredis asks the sentinels for the current master and follows a failover by itself.
import type { RedisOptions } from "ioredis";

export const REDIS_URL_FORMS = "redis://host:6379, rediss://host:6380 or redis-sentinel://host:26379,host2:26379/mymaster";

export class RedisUrlError extends TypeError {
  override readonly name = "RedisUrlError";
}

/** A plain URL ioredis parses itself, or the options of a sentinel connection. */
export type RedisTarget = { kind: "url"; url: string } | { kind: "sentinel"; options: RedisOptions };

export function parseRedisUrl(url: string): RedisTarget {
  if (/^rediss?:\/\/\S+$/.test(url)) return { kind: "url", url };
  const m = /^redis-sentinel:\/\/(?:([^@/]*)@)?([^/?#@]+)\/([^/?#]+)\/?(?:\?([^#]*))?$/.exec(url);
  if (!m) throw new RedisUrlError(`Redis URL must look like ${REDIS_URL_FORMS}`);
  const [, auth, hosts, name, query] = m;
  const sentinels = hosts!.split(",").map((h) => {
    const hp = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(h.trim());
    const port = hp?.[2] === undefined ? 26379 : Number(hp[2]);
    if (!hp || port < 1 || port > 65535) throw new RedisUrlError(`redis-sentinel URL: "${h}" is not host or host:port`);
    return { host: hp[1]!.replace(/^\[|\]$/g, ""), port };
  });
  const options: RedisOptions = {
    sentinels,
    name: decodeURIComponent(name!),
    // Hear +switch-master from the sentinels and reconnect to the new master at once; a command that still
    // meets the demoted one (READONLY) reconnects and is sent again, instead of failing.
    failoverDetector: true,
    reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
  };
  if (auth) {
    const colon = auth.indexOf(":");
    const user = colon < 0 ? "" : decodeURIComponent(auth.slice(0, colon));
    const password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1));
    if (user) options.username = user;
    if (password) options.password = password;
  }
  const params = new URLSearchParams(query ?? "");
  for (const [key, value] of params) {
    if (key === "db") {
      if (!/^\d{1,2}$/.test(value)) throw new RedisUrlError("redis-sentinel URL: db must be a small number");
      options.db = Number(value);
    } else if (key === "sentinelPassword") options.sentinelPassword = value;
    else if (key === "sentinelUsername") options.sentinelUsername = value;
    else if (key === "tls") {
      if (value !== "true" && value !== "false") throw new RedisUrlError("redis-sentinel URL: tls must be true or false");
      if (value === "true") {
        options.tls = {};
        options.enableTLSForSentinelMode = true;
      }
    } else throw new RedisUrlError(`redis-sentinel URL: unknown parameter "${key}" (db, sentinelPassword, sentinelUsername, tls)`);
  }
  return { kind: "sentinel", options };
}

/** The URL with any password replaced, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.includes(":") ? `${auth.split(":")[0]}:***` : "***"}@`);
}
