// Configuration of alert channels (webhook, Telegram, Slack, e-mail). Part of the configuration schema (./schema.ts).
import { z } from "zod";
import { INCIDENT_KINDS } from "../incident.js";

/** A channel with "confirmed" hears of an incident only once it is confirmed (≥ 2 probes or networks agree). */
const minConfidenceSchema = z.enum(["suspected", "confirmed"]).optional(); // absent: "suspected" (everything)

/** What every channel is told about (regions, kinds, confidence) and in which language (its own default). */
function routing(language: "kk" | "ru" | "en") {
  return {
    regions: z.array(z.string()).optional(),
    kinds: z.array(z.enum(INCIDENT_KINDS)).optional(),
    minConfidence: minConfidenceSchema,
    language: z.enum(["kk", "ru", "en"]).default(language),
  };
}

export const alertChannelSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("webhook"),
    name: z.string(),
    url: z.string().url(),
    /** HMAC-SHA256 key for the X-KeepWatch-Signature header. */
    secret: z.string().min(16),
    ...routing("en"),
  }),
  z.object({
    type: z.literal("telegram"),
    name: z.string(),
    botToken: z.string().min(1),
    chatId: z.string().min(1),
    /** Bot API base, overridable for tests and self-hosted Bot API servers. */
    apiUrl: z.string().url().default("https://api.telegram.org"),
    ...routing("ru"),
  }),
  z.object({
    type: z.literal("slack"),
    name: z.string(),
    url: z.string().url(),
    ...routing("en"),
  }),
  z.object({
    type: z.literal("email"),
    name: z.string(),
    smtp: z.object({
      host: z.string(),
      port: z.number().int().min(1).max(65535).default(587),
      secure: z.boolean().default(false),
      user: z.string().optional(),
      pass: z.string().optional(),
    }),
    from: z.string().email(),
    to: z.array(z.string().email()).min(1),
    ...routing("en"),
  }),
]);
export type AlertChannelConfig = z.infer<typeof alertChannelSchema>;
