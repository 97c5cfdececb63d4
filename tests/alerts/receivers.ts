// Real receivers on 127.0.0.1 for alert tests: an HTTP server that records every request and answers
// with a programmable handler, and an SMTP server (smtp-server) that records every message.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReply {
  status: number;
  body: string;
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Decides each answer; may wait (to hold a request open). Default: 200 "ok". */
  handler: (req: ReceivedRequest, index: number) => Promise<HttpReply> | HttpReply;
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

function waiter<T>(list: T[]): { notify(): void; waitFor(n: number): Promise<T[]> } {
  const pending: { n: number; resolve: (v: T[]) => void }[] = [];
  return {
    notify() {
      for (const w of [...pending]) {
        if (list.length >= w.n) {
          pending.splice(pending.indexOf(w), 1);
          w.resolve(list);
        }
      }
    },
    waitFor(n) {
      if (list.length >= n) return Promise.resolve(list);
      return new Promise((resolve) => pending.push({ n, resolve }));
    },
  };
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const w = waiter(requests);
  const receiver: HttpReceiver = {
    url: "",
    requests,
    handler: () => ({ status: 200, body: "ok" }),
    waitFor: (n) => w.waitFor(n),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rec: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      const index = requests.length;
      requests.push(rec);
      w.notify();
      Promise.resolve(receiver.handler(rec, index)).then(
        (reply) => res.writeHead(reply.status, { "content-type": "application/json" }).end(reply.body),
        () => res.writeHead(500).end("handler failed"),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  waitFor(n: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpReceiver(opts: { refuseRecipients?: boolean } = {}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const w = waiter(mails);
  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered, no AUTH required.
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!opts.refuseRecipients) return callback();
      callback(Object.assign(new Error(`<${address.address}>: mailbox unavailable`), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        w.notify();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, waitFor: (n) => w.waitFor(n), close: () => new Promise((resolve) => server.close(() => resolve())) };
}
