// Channel config -> provider. The only place that knows every provider type.
import type { AlertChannelConfig } from "../config/schema.js";
import { EmailProvider } from "./email.js";
import type { MessageContext } from "./messages.js";
import type { AlertProvider } from "./provider.js";
import { SlackProvider } from "./slack.js";
import { TelegramProvider } from "./telegram.js";
import { WebhookProvider } from "./webhook.js";

export interface ProviderDeps {
  messages: MessageContext;
  /** Per-delivery deadline. */
  timeoutMs: number;
}

export function createProvider(channel: AlertChannelConfig, deps: ProviderDeps): AlertProvider {
  switch (channel.type) {
    case "webhook":
      return new WebhookProvider(channel, deps);
    case "telegram":
      return new TelegramProvider(channel, deps);
    case "slack":
      return new SlackProvider(channel, deps);
    case "email":
      return new EmailProvider(channel, deps);
  }
}
