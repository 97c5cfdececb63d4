// DNS questions about one name (A, AAAA) to one resolver: over one UDP socket, then over TCP for a question
// whose answer comes back truncated (TC bit).
// Only a packet whose id, question and type match ours counts; anything else (an injected answer with a
// guessed id, a late answer to another question) is ignored and we keep waiting, as OONI does.
import { randomInt } from "node:crypto";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, isIP, type Socket } from "node:net";
import { decode, encode, RECURSION_DESIRED, type DecodedPacket } from "dns-packet";
import { firesBy } from "./deadline.js";
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
  /** Source address for the sockets (the agent's --measure-via); unset = the kernel's choice. */
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
  // A caller's deadline that fires first already bounds us: no second timer (deadline.ts).
  if (signal !== undefined && firesBy(signal, timeoutMs)) return { signal, dispose: () => undefined };
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

/** One question of an exchange: its id, wire bytes and, once it came, its answer. */
interface Question {
  type: QueryType;
  id: number;
  query: Buffer;
  response: DecodedPacket | null;
  /** The TCP attempt, started as soon as a truncated answer came over UDP. */
  overTcp: Promise<Attempt> | null;
}

function newQuestions(name: string, types: readonly QueryType[]): Question[] {
  const questions: Question[] = [];
  for (const type of types) {
    let id = randomInt(0, 0x10000);
    while (questions.some((q) => q.id === id)) id = randomInt(0, 0x10000);
    questions.push({ type, id, query: buildQuery(id, name, type), response: null, overTcp: null });
  }
  return questions;
}

/** One question to one resolver (exchangeAll with one type). */
export async function exchange(server: Endpoint, name: string, type: QueryType, options: ExchangeOptions): Promise<ExchangeOutcome> {
  return (await exchangeAll(server, name, [type], options))[0]!;
}

/**
 * Several questions about one name (A and AAAA) to one resolver, over one UDP socket as a stub resolver
 * asks them: each has its own id and is matched on its own, resent on its own while unanswered, and goes
 * over TCP on its own when its answer is truncated. One outcome per type, in order.
 */
export async function exchangeAll(server: Endpoint, name: string, types: readonly QueryType[],
  options: ExchangeOptions): Promise<ExchangeOutcome[]> {
  const questions = newQuestions(name, types);
  const end = deadline(options.timeoutMs, options.signal);
  try {
    const problem = await overUdp(server, name, questions, options, end.signal);
    return await Promise.all(questions.map(async (q): Promise<ExchangeOutcome> => {
      if (q.overTcp) return { transport: "tcp", ...(await q.overTcp) };
      return { transport: "udp", response: q.response, problem: q.response ? null : problem };
    }));
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

/** Asks every question over one connected UDP socket; resolves when all are answered or the time is up. */
function overUdp(server: Endpoint, name: string, questions: Question[], options: ExchangeOptions,
  signal: AbortSignal): Promise<Attempt["problem"]> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve("timeout");
    const source = socketSource(options.localAddress, server.host);
    if (source === null) return resolve("error");
    const socket: UdpSocket = createSocket(isIP(server.host) === 6 ? "udp6" : "udp4");
    const attempts = Math.max(1, options.udpAttempts ?? 3);
    let resend: NodeJS.Timeout | undefined;
    let unanswered = questions.length;
    let done = false;
    const finish = (problem: Attempt["problem"]) => {
      if (done) return;
      done = true;
      clearTimeout(resend);
      signal.removeEventListener("abort", onAbort);
      socket.close();
      resolve(problem);
    };
    const onAbort = () => finish("timeout");
    signal.addEventListener("abort", onAbort, { once: true });
    // Connected socket: the kernel drops datagrams from other sources and reports ICMP unreachable.
    socket.on("error", () => finish("error"));
    socket.on("message", (msg: Buffer) => {
      const packet = tryDecode(msg);
      if (!packet) return;
      const q = questions.find((x) => x.response === null && isAnswerTo(packet, x.id, name, x.type));
      if (!q) return;
      q.response = packet;
      // Truncated: this question goes on over TCP at once, the others keep waiting on UDP.
      if (packet.flag_tc) q.overTcp = overTcp(server, q.query, (p) => isAnswerTo(p, q.id, name, q.type), options, signal);
      if (--unanswered === 0) finish(null);
    });
    // A deadline may pass (and close the socket) before bind or connect calls back: send nothing then.
    // A connect that fails (no route: ENETUNREACH, e.g. a --measure-via policy route gone) calls back with the
    // error instead of emitting it; the socket is then unconnected and a send would throw.
    const start = () => !done && socket.connect(server.port, server.host, (err?: Error) => {
      if (err) return finish("error");
      let sent = 0;
      // A send can be the call that reports an earlier ICMP port-unreachable (the socket's pending error).
      const afterSend = (err: Error | null) => {
        if (err) finish("error");
      };
      const send = () => {
        if (done) return;
        try {
          for (const q of questions) if (q.response === null) socket.send(q.query, afterSend);
        } catch {
          // Never an exception out of a timer: the socket went away under us (closed, disconnected).
          return finish("error");
        }
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
