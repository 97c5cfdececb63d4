// Generic webhook: a JSON body with the event, the incident and the rendered message, signed with the
// channel secret (see signature.ts for how receivers verify).
import type { AlertChannelConfig } from "../config/schema.js";
import type { AlertEvent } from "./event.js";
import { postJson } from "./http.js";
import { renderAlertMessage, type MessageContext } from "./messages.js";
import type { AlertProvider } from "./provider.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from "./signature.js";

export type WebhookChannel = Extract<AlertChannelConfig, { type: "webhook" }>;

export const WEBHOOK_BODY_VERSION = 1;

export function webhookBody(event: AlertEvent, channel: WebhookChannel, messages: MessageContext): string {
  const message = renderAlertMessage(event, channel.language, messages);
  return JSON.stringify({
    version: WEBHOOK_BODY_VERSION,
    event: { id: event.id, type: event.type, at: event.at, previousKind: event.previousKind, reminder: event.reminder },
    incident: event.incident,
    message: { language: message.language, title: message.title, text: message.text },
    permalink: message.permalink,
  });
}

export class WebhookProvider implements AlertProvider {
  readonly name: string;

  constructor(
    private readonly channel: WebhookChannel,
    private readonly deps: { messages: MessageContext; timeoutMs: number; now?: () => Date },
  ) {
    this.name = channel.name;
  }

  async send(event: AlertEvent): Promise<void> {
    const body = webhookBody(event, this.channel, this.deps.messages);
    const timestamp = Math.floor((this.deps.now?.() ?? new Date()).getTime() / 1000);
    await postJson(this.channel.url, body, {
      channel: this.name,
      timeoutMs: this.deps.timeoutMs,
      headers: {
        [SIGNATURE_HEADER]: signWebhook(this.channel.secret, timestamp, body),
        [TIMESTAMP_HEADER]: String(timestamp),
        "x-keepwatch-event": event.type,
        "x-keepwatch-delivery": event.id,
      },
    });
  }
}
