// Telegram Bot API sendMessage. Plain text (no parse_mode), so incident summaries and URLs need no escaping.
import type { AlertChannelConfig } from "../config/schema.js";
import type { AlertEvent } from "./event.js";
import { postJson } from "./http.js";
import { renderAlertMessage, type MessageContext } from "./messages.js";
import { DeliveryError, isPermanentHttpStatus, type AlertProvider } from "./provider.js";

export type TelegramChannel = Extract<AlertChannelConfig, { type: "telegram" }>;

/** Bot API limit for one message. */
const TELEGRAM_MAX_TEXT = 4096;

export class TelegramProvider implements AlertProvider {
  readonly name: string;

  constructor(
    private readonly channel: TelegramChannel,
    private readonly deps: { messages: MessageContext; timeoutMs: number },
  ) {
    this.name = channel.name;
  }

  async send(event: AlertEvent): Promise<void> {
    const message = renderAlertMessage(event, this.channel.language, this.deps.messages);
    const text = message.text.length > TELEGRAM_MAX_TEXT ? `${message.text.slice(0, TELEGRAM_MAX_TEXT - 1)}…` : message.text;
    const url = `${this.channel.apiUrl.replace(/\/+$/, "")}/bot${this.channel.botToken}/sendMessage`;
    const res = await postJson(url, JSON.stringify({ chat_id: this.channel.chatId, text, disable_web_page_preview: true }), {
      channel: this.name,
      timeoutMs: this.deps.timeoutMs,
    });
    // The Bot API can answer 200 with ok:false; that is not a delivery.
    let parsed: { ok?: unknown; description?: unknown };
    try {
      parsed = JSON.parse(res.body) as typeof parsed;
    } catch {
      throw new DeliveryError(`${this.name}: Telegram answered with non-JSON`, res.status);
    }
    if (parsed.ok !== true) {
      throw new DeliveryError(`${this.name}: Telegram refused: ${String(parsed.description ?? "no description")}`, res.status,
        isPermanentHttpStatus(res.status));
    }
  }
}
