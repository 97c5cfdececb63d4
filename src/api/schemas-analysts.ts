// Schemas of the analysts' layer: sessions, users, notes, verification, audit log. Part of the HTTP API's
// schemas (./schemas.ts).
import { z } from "@hono/zod-openapi";
import { isoTime } from "./schemas-common.js";

const userName = () => z.string().regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, "invalid user name");
const userRole = z.enum(["admin", "analyst", "viewer"]);

export const loginBodySchema = z
  .object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) })
  .openapi("Login");

export const sessionResponseSchema = z
  .object({
    user: z.object({ name: z.string(), role: userRole }).nullable(),
    csrfToken: z.string().nullable().openapi({ description: "Send as X-CSRF-Token with every write of this session" }),
  })
  .openapi("Session");

export const publicUserSchema = z
  .object({ name: z.string(), role: userRole, createdAt: isoTime, disabledAt: isoTime.nullable(), hasReadToken: z.boolean() })
  .openapi("User");

export const usersResponseSchema = z.object({ users: z.array(publicUserSchema) }).openapi("Users");

export const userNameParam = z.object({ name: userName().openapi({ example: "aigerim" }) });

export const addUserBodySchema = z
  .object({ name: userName(), role: userRole, password: z.string().min(10).max(1024) })
  .openapi("NewUser");

export const changeUserBodySchema = z
  .object({ role: userRole.optional(), disabled: z.boolean().optional(), password: z.string().min(10).max(1024).optional() })
  .openapi("UserChange");

export const noteSchema = z
  .object({ id: z.number().int(), incidentId: z.string(), author: z.string(), text: z.string(), createdAt: isoTime })
  .openapi("IncidentNote");

export const verificationSchema = z
  .object({ incidentId: z.string(), verifiedBy: z.string(), verifiedAt: isoTime })
  .openapi("IncidentVerification");

export const notesResponseSchema = z
  .object({ notes: z.array(noteSchema), verification: verificationSchema.nullable() })
  .openapi("IncidentNotes");

export const noteBodySchema = z
  .object({ text: z.string().trim().min(1).max(4000) })
  .openapi("NewNote");

export const auditQuerySchema = z.object({
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

export const auditResponseSchema = z
  .object({
    entries: z.array(z.object({ seq: z.number().int(), at: isoTime, actor: z.string(), action: z.string(), subject: z.string(), detail: z.string().nullable() })),
    nextOffset: z.number().int().nullable(),
  })
  .openapi("AuditLog");
