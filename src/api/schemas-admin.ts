// Schemas of the admin endpoints: probe tokens and enrollment invites. Part of the HTTP API's schemas (./schemas.ts).
import { z } from "@hono/zod-openapi";
import { isoTime, networkId, probeId, regionId } from "./schemas-common.js";

export const probeIdParam = z.object({ id: probeId().openapi({ example: "aktau-1" }) });

export const issueTokenBodySchema = z.object({
  region: regionId().optional().openapi({ description: "Optional; must be the probe's configured region" }),
});

export const tokenResponseSchema = z
  .object({ token: z.string(), probeId: z.string(), region: z.string() })
  .openapi("ProbeToken", { description: "The token is shown once; only its sha256 is stored" });

export const revokeResponseSchema = z.object({ revoked: z.number().int() }).openapi("Revoked");

export const inviteBodySchema = z
  .object({
    region: regionId().openapi({ example: "KZ-47" }),
    network: networkId().openapi({ example: "kcell-mobile" }),
    expires: z.string().max(20).optional().openapi({ description: "30m, 12h or 7d (default 7d, at most 90d)", example: "7d" }),
  })
  .openapi("InviteRequest");

export const inviteResponseSchema = z
  .object({ code: z.string(), region: z.string(), network: z.string(), expiresAt: isoTime })
  .openapi("Invite", { description: "The code is shown once and registers one probe; only its sha256 is stored" });

export const inviteViewSchema = z
  .object({
    id: z.string().openapi({ description: "First 12 hex digits of the code's sha256 (the code itself is never stored)" }),
    region: z.string(),
    network: z.string(),
    createdAt: isoTime,
    expiresAt: isoTime,
    status: z.enum(["open", "used", "expired"]),
    usedAt: isoTime.nullable(),
    probeId: z.string().nullable(),
  })
  .openapi("InviteListItem");
export const inviteListSchema = z.object({ invites: z.array(inviteViewSchema) }).openapi("InviteList");
export const inviteIdParam = z.object({ id: z.string().openapi({ example: "3f9a1c2b5e7d" }) });
