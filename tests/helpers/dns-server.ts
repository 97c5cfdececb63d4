// An in-process DNS server for tests: real UDP and TCP sockets on one loopback port, real DNS packets
// (dns-packet), and per-name behaviour a censor or a broken resolver shows: lies, NXDOMAIN, SERVFAIL,
// REFUSED, empty answers, silence, truncation, spoofed packets, delays.
//
//   const dns = await startDnsServer({ rules: { "example.test": { A: ["198.18.0.10"] } } });
//   await probeDns("example.test", { resolver: dns.resolver, timeoutSeconds: 2 });
//   dns.set("blocked.test", { rcode: "NXDOMAIN" });
//   await dns.close();
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIP, type Server, type Socket } from "node:net";
import {
  decode,
  encode,
  RECURSION_AVAILABLE,
  RECURSION_DESIRED,
  TRUNCATED_RESPONSE,
  type Answer,
  type DecodedPacket,
  type Question,
} from "dns-packet";

export type DnsRcodeName = "NOERROR" | "NXDOMAIN" | "SERVFAIL" | "REFUSED";
const RCODE_NUMBER: Record<DnsRcodeName, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

/** How the server answers one name. `{}` is an empty NOERROR answer; a name without a rule gets NXDOMAIN. */
export interface DnsRule {
  A?: string[];
  AAAA?: string[];
  /** The name is an alias: answer with this CNAME, then whatever the target's rule gives (like a recursor). */
  CNAME?: string;
  /** TTL of every record of this rule; default 300. */
  ttl?: number;
  /** Answer with this response code and no records. */
  rcode?: DnsRcodeName;
  /** Never answer (over UDP or TCP). */
  silent?: boolean;
  /** Over UDP answer with the TC bit and no records, so the client must retry over TCP. */
  truncateUdp?: boolean;
  /**
   * Over UDP, send packets a client must ignore: one with a wrong id and one with the right id but another
   * question, both carrying `spoofAddress`. "before": then the real answer; "only": nothing else.
   */
  spoof?: "before" | "only";
  /** Address the spoofed packets carry; default 10.66.66.66. */
  spoofAddress?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface DnsQueryLog {
  name: string;
  type: string;
  transport: "udp" | "tcp";
  /** The client's source address (what a probe bound to a local address must show). */
  from: string;
}

export interface TestDnsServer {
  host: string;
  port: number;
  /** The resolver string probes take: "127.0.0.1:port" or "[::1]:port". */
  resolver: string;
  set(name: string, rule: DnsRule): void;
  delete(name: string): void;
  /** Every query received, in order. */
  readonly queries: readonly DnsQueryLog[];
  close(): Promise<void>;
}

export interface DnsServerOptions {
  /** Loopback address to bind; default 127.0.0.1. */
  host?: string;
  rules?: Record<string, DnsRule>;
}

const normalise = (name: string) => name.toLowerCase().replace(/\.$/, "");

interface Resolution {
  rcode: DnsRcodeName;
  answers: Answer[];
}

/** Resolves like a recursive resolver over the rules: follows CNAMEs, unknown names are NXDOMAIN. */
function resolveRules(rules: Map<string, DnsRule>, name: string, type: string, depth = 0): Resolution {
  const rule = rules.get(normalise(name));
  if (!rule) return { rcode: "NXDOMAIN", answers: [] };
  if (rule.rcode && rule.rcode !== "NOERROR") return { rcode: rule.rcode, answers: [] };
  const ttl = rule.ttl ?? 300;
  if (rule.CNAME !== undefined) {
    const alias: Answer = { type: "CNAME", name, ttl, class: "IN", data: rule.CNAME };
    if (depth >= 8) return { rcode: "NOERROR", answers: [alias] };
    const rest = resolveRules(rules, rule.CNAME, type, depth + 1);
    return { rcode: rest.rcode, answers: [alias, ...rest.answers] };
  }
  const data = type === "A" ? rule.A ?? [] : type === "AAAA" ? rule.AAAA ?? [] : [];
  const recordType = type === "AAAA" ? "AAAA" : "A";
  return { rcode: "NOERROR", answers: data.map((d): Answer => ({ type: recordType, name, ttl, class: "IN", data: d })) };
}

function response(query: DecodedPacket, question: Question, res: Resolution, truncated = false): Buffer {
  const flags = ((query.flags ?? 0) & RECURSION_DESIRED) | RECURSION_AVAILABLE | RCODE_NUMBER[res.rcode]
    | (truncated ? TRUNCATED_RESPONSE : 0);
  return encode({ type: "response", id: query.id ?? 0, flags, questions: [question], answers: truncated ? [] : res.answers });
}

export async function startDnsServer(options: DnsServerOptions = {}): Promise<TestDnsServer> {
  const host = options.host ?? "127.0.0.1";
  const rules = new Map<string, DnsRule>();
  for (const [name, rule] of Object.entries(options.rules ?? {})) rules.set(normalise(name), rule);
  const queries: DnsQueryLog[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const parse = (msg: Buffer, transport: "udp" | "tcp", from: string) => {
    let query: DecodedPacket;
    try {
      query = decode(msg);
    } catch {
      return null; // garbage is dropped, as real servers do
    }
    const question = query.questions?.[0];
    if (query.type !== "query" || !question) return null;
    queries.push({ name: normalise(question.name), type: question.type, transport, from });
    return { query, question, rule: rules.get(normalise(question.name)) };
  };

  const onUdpMessage = (udp: UdpSocket) => (msg: Buffer, peer: RemoteInfo) => {
    const parsed = parse(msg, "udp", peer.address);
    if (!parsed || parsed.rule?.silent) return;
    const { query, question, rule } = parsed;
    const send = (buf: Buffer) => udp.send(buf, peer.port, peer.address);
    later(rule?.delayMs ?? 0, () => {
      if (rule?.spoof) {
        const lie: Resolution = { rcode: "NOERROR", answers: [{ type: "A", name: question.name, ttl: 60, class: "IN",
          data: rule.spoofAddress ?? "10.66.66.66" }] };
        send(response({ ...query, id: ((query.id ?? 0) + 1) & 0xffff }, question, lie));
        send(response(query, { ...question, name: "spoofed.invalid" }, lie));
        if (rule.spoof === "only") return;
      }
      send(response(query, question, resolveRules(rules, question.name, question.type), rule?.truncateUdp === true));
    });
  };

  const tcpSockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    tcpSockets.add(socket);
    socket.on("close", () => tcpSockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const size = pending.readUInt16BE(0);
        if (pending.length < 2 + size) break;
        const parsed = parse(pending.subarray(2, 2 + size), "tcp", socket.remoteAddress ?? "");
        pending = pending.subarray(2 + size);
        if (!parsed || parsed.rule?.silent) continue;
        const { query, question, rule } = parsed;
        later(rule?.delayMs ?? 0, () => {
          const body = response(query, question, resolveRules(rules, question.name, question.type));
          const frame = Buffer.alloc(2 + body.length);
          frame.writeUInt16BE(body.length, 0);
          body.copy(frame, 2);
          if (!socket.destroyed) socket.write(frame);
        });
      }
    });
  });

  const { udp, port } = await bindBoth(tcp, host, (socket) => socket.on("message", onUdpMessage(socket)));
  return {
    host,
    port,
    resolver: isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`,
    set: (name, rule) => void rules.set(normalise(name), rule),
    delete: (name) => void rules.delete(normalise(name)),
    queries,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of tcpSockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

/** UDP takes a free port first; TCP then needs the same number, which another process may hold: retry. */
async function bindBoth(tcp: Server, host: string, setup: (udp: UdpSocket) => void): Promise<{ udp: UdpSocket; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket(isIP(host) === 6 ? "udp6" : "udp4");
    setup(udp);
    const port = await new Promise<number>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, host, () => {
        udp.off("error", reject);
        resolve(udp.address().port);
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const onError = () => resolve(false);
      tcp.once("error", onError);
      tcp.listen(port, host, () => {
        tcp.off("error", onError);
        resolve(true);
      });
    });
    if (ok) return { udp, port };
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
  throw new Error("could not bind UDP and TCP on the same port");
}
