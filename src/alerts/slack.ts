// Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat accept {text, blocks}).
import type { AlertChannelConfig } from "../config/schema.js";
import type { AlertEvent } from "./event.js";
import { postJson } from "./http.js";
import { renderAlertMessage, type AlertMessage, type MessageContext } from "./messages.js";
import type { AlertProvider } from "./provider.js";

export type SlackChannel = Extract<AlertChannelConfig, { type: "slack" }>;

/** Slack limits: header text 150 chars, section text 3000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

/** mrkdwn treats &, < and > as markup. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function slackPayload(message: AlertMessage): { text: string; blocks: unknown[] } {
  const blocks: unknown[] = [
    { type: "header", text: { type: "plain_text", text: clip(message.title, HEADER_MAX) } },
    { type: "section", text: { type: "mrkdwn", text: clip(message.lines.map(escapeMrkdwn).join("\n"), SECTION_MAX) } },
  ];
  if (message.permalink) {
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `<${message.permalink}|${escapeMrkdwn(message.permalink)}>` }] });
  }
  return { text: message.title, blocks };
}

export class SlackProvider implements AlertProvider {
  readonly name: string;

  constructor(
    private readonly channel: SlackChannel,
    private readonly deps: { messages: MessageContext; timeoutMs: number },
  ) {
    this.name = channel.name;
  }

  async send(event: AlertEvent): Promise<void> {
    const message = renderAlertMessage(event, this.channel.language, this.deps.messages);
    await postJson(this.channel.url, JSON.stringify(slackPayload(message)), { channel: this.name, timeoutMs: this.deps.timeoutMs });
  }
}
