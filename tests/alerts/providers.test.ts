import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertEventFromIncidentEvent } from "../../src/alerts/event.js";
import { EmailProvider, type EmailChannel } from "../../src/alerts/email.js";
import { messageContextFromConfig } from "../../src/alerts/messages.js";
import { DeliveryError } from "../../src/alerts/provider.js";
import { verifyWebhook } from "../../src/alerts/signature.js";
import { SlackProvider } from "../../src/alerts/slack.js";
import { TelegramProvider } from "../../src/alerts/telegram.js";
import { WebhookProvider, type WebhookChannel } from "../../src/alerts/webhook.js";
import { freePort } from "../helpers/redis.js";
import { incident, testConfig } from "./fixtures.js";
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from "./receivers.js";

const messages = messageContextFromConfig(testConfig({ publicUrl: "https://watch.example.org" }));
const event = alertEventFromIncidentEvent({ type: "opened", incident: incident() });
const SECRET = "s3cret-s3cret-s3cret";
const BOT_TOKEN = "123456:ABC-secret-token";

let http: HttpReceiver;
let smtp: SmtpReceiver;
let release: () => void = () => undefined;

beforeAll(async () => {
  http = await startHttpReceiver();
  smtp = await startSmtpReceiver();
});
afterAll(async () => {
  release();
  await http.close();
  await smtp.close();
});
beforeEach(() => {
  http.requests.length = 0;
  http.handler = () => ({ status: 200, body: "ok" });
});

function webhookChannel(url: string): WebhookChannel {
  return { type: "webhook", name: "hook", url, secret: SECRET, language: "en" };
}

async function rejection(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe("webhook provider", () => {
  it("posts the incident and event, signed over timestamp and raw body", async () => {
    await new WebhookProvider(webhookChannel(`${http.url}/hook`), { messages, timeoutMs: 5000 }).send(event);
    const [req] = await http.waitFor(1);
    const sig = req!.headers["x-keepwatch-signature"] as string;
    const ts = req!.headers["x-keepwatch-timestamp"] as string;
    expect(req!.path).toBe("/hook");
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook({ secret: SECRET, rawBody: req!.body, signature: sig, timestamp: ts })).toEqual({ ok: true });
    expect(verifyWebhook({ secret: "another-secret-xxxx", rawBody: req!.body, signature: sig, timestamp: ts }))
      .toEqual({ ok: false, reason: "mismatch" });
    expect(verifyWebhook({ secret: SECRET, rawBody: req!.body.replace("KZ-47", "KZ-75"), signature: sig, timestamp: ts }))
      .toEqual({ ok: false, reason: "mismatch" });
    // Replaying the body under a fresh timestamp breaks the signature.
    expect(verifyWebhook({ secret: SECRET, rawBody: req!.body, signature: sig, timestamp: String(Number(ts) + 1) }))
      .toEqual({ ok: false, reason: "mismatch" });
    const body = JSON.parse(req!.body) as Record<string, any>;
    expect(body.version).toBe(1);
    expect(body.event).toMatchObject({ id: event.id, type: "opened", previousKind: null });
    expect(body.incident.id).toBe("inc-kz47-1");
    expect(body.message.title).toBe("Incident opened: whitelist-only access in Mangystau Region");
    expect(body.permalink).toBe("https://watch.example.org/incidents/inc-kz47-1");
    expect(req!.headers["x-keepwatch-delivery"]).toBe(event.id);
  });

  it("signs with the send time, so an old request is refused as stale", async () => {
    const tenMinutesAgo = () => new Date(Date.now() - 600_000);
    await new WebhookProvider(webhookChannel(http.url), { messages, timeoutMs: 5000, now: tenMinutesAgo }).send(event);
    const [req] = await http.waitFor(1);
    const check = verifyWebhook({ secret: SECRET, rawBody: req!.body,
      signature: req!.headers["x-keepwatch-signature"] as string, timestamp: req!.headers["x-keepwatch-timestamp"] as string });
    expect(check).toEqual({ ok: false, reason: "stale" });
  });

  it("throws on a non-2xx answer, naming the channel but not the URL", async () => {
    http.handler = () => ({ status: 500, body: "boom" });
    const err = await rejection(new WebhookProvider(webhookChannel(`${http.url}/private-path`), { messages, timeoutMs: 5000 }).send(event));
    expect(err.status).toBe(500);
    expect(err.permanent).toBe(false);
    expect(err.message).toContain("hook: HTTP 500");
    expect(err.message).not.toContain("private-path");
  });

  it("marks a refusal (4xx other than 408/429) as permanent", async () => {
    http.handler = () => ({ status: 404, body: "no such hook" });
    const err = await rejection(new WebhookProvider(webhookChannel(http.url), { messages, timeoutMs: 5000 }).send(event));
    expect(err.permanent).toBe(true);
    http.handler = () => ({ status: 408, body: "slow" });
    expect((await rejection(new WebhookProvider(webhookChannel(http.url), { messages, timeoutMs: 5000 }).send(event))).permanent).toBe(false);
  });

  it("throws when the receiver hangs past the deadline or refuses the connection", async () => {
    http.handler = () => new Promise((resolve) => { release = () => resolve({ status: 200, body: "late" }); });
    await rejection(new WebhookProvider(webhookChannel(http.url), { messages, timeoutMs: 300 }).send(event));
    release();
    const closed = await freePort();
    const err = await rejection(new WebhookProvider(webhookChannel(`http://127.0.0.1:${closed}/`), { messages, timeoutMs: 2000 }).send(event));
    expect(err.message).toContain("request failed");
  });
});

describe("telegram provider", () => {
  const channel = (apiUrl: string) => ({ type: "telegram" as const, name: "tg", botToken: BOT_TOKEN, chatId: "-100200300", apiUrl, language: "ru" as const });

  it("calls sendMessage on the configured Bot API with the Russian text", async () => {
    http.handler = () => ({ status: 200, body: JSON.stringify({ ok: true, result: { message_id: 1 } }) });
    await new TelegramProvider(channel(http.url), { messages, timeoutMs: 5000 }).send(event);
    const [req] = await http.waitFor(1);
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    const body = JSON.parse(req!.body) as { chat_id: string; text: string };
    expect(body.chat_id).toBe("-100200300");
    expect(body.text.split("\n")[0]).toBe("Новый инцидент — Мангистауская область: доступ только по белому списку");
  });

  it("treats ok:false as a failure and never leaks the bot token", async () => {
    http.handler = () => ({ status: 200, body: JSON.stringify({ ok: false, description: "Bad Request: chat not found" }) });
    const err = await rejection(new TelegramProvider(channel(http.url), { messages, timeoutMs: 5000 }).send(event));
    expect(err.message).toContain("chat not found");
    expect(err.message).not.toContain(BOT_TOKEN);
    http.handler = () => ({ status: 429, body: JSON.stringify({ ok: false, description: "Too Many Requests: retry after 5" }) });
    const err429 = await rejection(new TelegramProvider(channel(http.url), { messages, timeoutMs: 5000 }).send(event));
    expect(err429.status).toBe(429);
    expect(err429.permanent).toBe(false);
    expect(err429.message).not.toContain(BOT_TOKEN);
  });
});

describe("slack provider", () => {
  it("posts {text, blocks} with a header, the body and the permalink", async () => {
    await new SlackProvider({ type: "slack", name: "sl", url: `${http.url}/services/T/B/X`, language: "kk" }, { messages, timeoutMs: 5000 }).send(event);
    const [req] = await http.waitFor(1);
    const body = JSON.parse(req!.body) as { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
    expect(body.text).toBe("Жаңа оқиға — Маңғыстау облысы: тек ақ тізім бойынша қолжетімділік");
    expect(body.blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
    expect(body.blocks[1]!.text!.text).toContain("Өңір: Маңғыстау облысы (KZ-47)");
    expect(body.blocks[2]!.elements![0]!.text).toContain("<https://watch.example.org/incidents/inc-kz47-1|");
  });
});

describe("email provider", () => {
  const channel = (port: number): EmailChannel => ({
    type: "email", name: "mail", smtp: { host: "127.0.0.1", port, secure: false },
    from: "keepwatch@example.org", to: ["desk@example.org", "oncall@example.org"], language: "en",
  });

  it("delivers the alert over SMTP to every recipient", async () => {
    await new EmailProvider(channel(smtp.port), { messages, timeoutMs: 5000 }).send(event);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.from).toBe("keepwatch@example.org");
    expect(mail!.to).toEqual(["desk@example.org", "oncall@example.org"]);
    const raw = mail!.raw.replace(/=\r?\n/g, "");
    expect(raw).toContain("Subject: Incident opened: whitelist-only access in Mangystau Region");
    // nodemailer normalises header case; header names are case-insensitive anyway.
    expect(raw.toLowerCase()).toContain(`x-keepwatch-delivery: ${event.id}`);
    expect(raw).toContain("Region: Mangystau Region (KZ-47)");
  });

  it("throws when the SMTP server cannot be reached", async () => {
    const err = await rejection(new EmailProvider(channel(await freePort()), { messages, timeoutMs: 2000 }).send(event));
    expect(err.message).toContain("mail: SMTP");
    expect(err.permanent).toBe(false);
  });

  it("treats a 5xx refusal of the recipient as permanent", async () => {
    const refusing = await startSmtpReceiver({ refuseRecipients: true });
    try {
      const err = await rejection(new EmailProvider(channel(refusing.port), { messages, timeoutMs: 5000 }).send(event));
      expect(err.status).toBe(550);
      expect(err.permanent).toBe(true);
      expect(refusing.mails).toHaveLength(0);
    } finally {
      await refusing.close();
    }
  });
});
