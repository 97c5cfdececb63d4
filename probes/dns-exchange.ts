// One DNS question to one resolver: over UDP, then over TCP when the answer comes back truncated (TC bit).
// Only a packet whose id, question and type match ours counts; anything else (an injected answer with a
// guessed id, a late answer to another question) is ignored and we keep waiting, as OONI does.
import { randomInt } from "node:crypto";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, isIP, type Socket } from "node:net";
import { decode, encode, RECURSION_DESIRED, type DecodedPacket } from "dns-packet";
import { socketSource, type LocalAddress } from "./local-address.js";
import type { Endpoint } from "./types.js";

export type QueryType = "A" | "AAAA";

export interface ExchangeOutcome {
  /** The transport of the last attempt: "tcp" once a truncated answer sent us there. */
  transport: "udp" | "tcp";
  /** The matching response, or null when none arrived. */
  response: DecodedPacket | null;
  /** Why no response arrived: the deadline passed (or the caller aborted), or a socket error. */
  problem: "timeout" | "error" | null;
}

export interface ExchangeOptions {
  timeoutMs: number;
  /** UDP sends of the same query within the timeout (a lost packet must not look like censorship). */
  udpAttempts?: number;
  signal?: AbortSignal;
  /** Source addresses to bind to (local-address.ts); a resolver of a family without one is an error. */
  localAddress?: LocalAddress;
}

const normaliseName = (name: string) => name.toLowerCase().replace(/\.$/, "");

export function isAnswerTo(packet: DecodedPacket, id: number, name: string, type: QueryType): boolean {
  const q = packet.questions;
  return packet.type === "response" && packet.id === id && q?.length === 1 && q[0] !== undefined
    && normaliseName(q[0].name) === normaliseName(name) && q[0].type === type && (q[0].class ?? "IN") === "IN";
}

function buildQuery(id: number, name: string, type: QueryType): Buffer {
  return encode({ type: "query", id, flags: RECURSION_DESIRED, questions: [{ type, name, class: "IN" }] });
}

/** A deadline shared by the UDP and TCP attempts; the caller's signal ends it early. */
function deadline(timeoutMs: number, signal?: AbortSignal) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) controller.abort();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

export async function exchange(server: Endpoint, name: string, type: QueryType, options: ExchangeOptions): Promise<ExchangeOutcome> {
  const id = randomInt(0, 0x10000);
  const query = buildQuery(id, name, type);
  const end = deadline(options.timeoutMs, options.signal);
  try {
    const udp = await overUdp(server, query, (p) => isAnswerTo(p, id, name, type), options, end.signal);
    if (!udp.response?.flag_tc) return { transport: "udp", ...udp };
    const tcp = await overTcp(server, query, (p) => isAnswerTo(p, id, name, type), options, end.signal);
    return { transport: "tcp", ...tcp };
  } finally {
    end.dispose();
  }
}

type Attempt = Omit<ExchangeOutcome, "transport">;
type Matcher = (packet: DecodedPacket) => boolean;

function tryDecode(buf: Buffer): DecodedPacket | null {
  try {
    return decode(buf);
  } catch {
    return null;
  }
}

function overUdp(server: Endpoint, query: Buffer, matches: Matcher, options: ExchangeOptions, signal: AbortSignal): Promise<Attempt> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ response: null, problem: "timeout" });
    const source = socketSource(options.localAddress, server.host);
    if (source === null) return resolve({ response: null, problem: "error" });
    const socket: UdpSocket = createSocket(isIP(server.host) === 6 ? "udp6" : "udp4");
    const attempts = Math.max(1, options.udpAttempts ?? 3);
    let resend: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (result: Attempt) => {
      if (done) return;
      done = true;
      clearTimeout(resend);
      signal.removeEventListener("abort", onAbort);
      socket.close();
      resolve(result);
    };
    const onAbort = () => finish({ response: null, problem: "timeout" });
    signal.addEventListener("abort", onAbort, { once: true });
    // Connected socket: the kernel drops datagrams from other sources and reports ICMP unreachable.
    socket.on("error", () => finish({ response: null, problem: "error" }));
    socket.on("message", (msg: Buffer) => {
      const packet = tryDecode(msg);
      if (packet && matches(packet)) finish({ response: packet, problem: null });
    });
    // A deadline may pass (and close the socket) before bind or connect calls back: send nothing then.
    const start = () => !done && socket.connect(server.port, server.host, () => {
      let sent = 0;
      const send = () => {
        if (done) return;
        socket.send(query);
        if (++sent < attempts) resend = setTimeout(send, options.timeoutMs / attempts);
      };
      send();
    });
    // Bound first when a source address is given: connect() alone would bind to the default route's address.
    if (source.localAddress === undefined) start();
    else socket.bind({ address: source.localAddress, port: 0 }, start);
  });
}

function overTcp(server: Endpoint, query: Buffer, matches: Matcher, options: ExchangeOptions, signal: AbortSignal): Promise<Attempt> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ response: null, problem: "timeout" });
    const source = socketSource(options.localAddress, server.host);
    if (source === null) return resolve({ response: null, problem: "error" });
    const socket: Socket = connect({ host: server.host, port: server.port, ...source });
    let pending = Buffer.alloc(0);
    let done = false;
    const finish = (result: Attempt) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => finish({ response: null, problem: "timeout" });
    signal.addEventListener("abort", onAbort, { once: true });
    socket.on("error", () => finish({ response: null, problem: "error" }));
    socket.on("end", () => finish({ response: null, problem: "error" }));
    socket.on("connect", () => {
      const frame = Buffer.alloc(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      query.copy(frame, 2);
      socket.write(frame);
    });
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const size = pending.readUInt16BE(0);
        if (pending.length < 2 + size) return;
        const packet = tryDecode(pending.subarray(2, 2 + size));
        pending = pending.subarray(2 + size);
        if (packet && matches(packet)) return finish({ response: packet, problem: null });
      }
    });
  });
}
