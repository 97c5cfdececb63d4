// E-mail over SMTP with nodemailer. One connection per message: alerts are rare, and a pooled connection
// that died during a shutdown would only add a failure mode.
import { createTransport } from "nodemailer";
import type { AlertChannelConfig } from "../config/schema.js";
import type { AlertEvent } from "./event.js";
import { renderAlertMessage, type MessageContext } from "./messages.js";
import { DeliveryError, isPermanentSmtpCode, type AlertProvider } from "./provider.js";

export type EmailChannel = Extract<AlertChannelConfig, { type: "email" }>;

export class EmailProvider implements AlertProvider {
  readonly name: string;

  constructor(
    private readonly channel: EmailChannel,
    private readonly deps: { messages: MessageContext; timeoutMs: number },
  ) {
    this.name = channel.name;
  }

  async send(event: AlertEvent): Promise<void> {
    const { smtp } = this.channel;
    const message = renderAlertMessage(event, this.channel.language, this.deps.messages);
    const transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.pass ?? "" } } : {}),
      connectionTimeout: this.deps.timeoutMs,
      greetingTimeout: this.deps.timeoutMs,
      socketTimeout: this.deps.timeoutMs,
    });
    try {
      await transport.sendMail({
        from: this.channel.from,
        to: this.channel.to,
        subject: message.title,
        text: message.text,
        // Same event, same Message-ID: mail clients and archives can spot a duplicate.
        messageId: `<${event.id}.${encodeURIComponent(this.name)}@keepwatch>`,
        headers: { "X-KeepWatch-Event": event.type, "X-KeepWatch-Delivery": event.id },
      });
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; message?: string };
      const code = e.responseCode ?? null;
      throw new DeliveryError(`${this.name}: SMTP ${e.code ?? "error"} ${code ?? ""}`.trim(), code, code !== null && isPermanentSmtpCode(code));
    } finally {
      transport.close();
    }
  }
}
