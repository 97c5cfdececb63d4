// GET /api/v1/agent/whoami: the server names the network (AS, country) of the address the request came
// from. With a local address (the interface the agent measures through, --measure-via), the request
// leaves through that interface, so the answer is about the measured network, not the upload path.
import { z } from "zod";
import type { ServerClient } from "./server-client.js";

export const whoamiAnswerSchema = z.object({
  asn: z.number().int().nonnegative().nullable(),
  asName: z.string().nullable(),
  country: z.string().regex(/^[A-Z]{2}$/).nullable(),
  confirmedAt: z.string().datetime(),
  seal: z.string().min(1).max(100),
});
export type WhoamiAnswer = z.infer<typeof whoamiAnswerSchema>;

/** The server's answer, or null (no server answered, a refusal, or something that is not an answer). */
export async function fetchWhoami(client: ServerClient, o: { localAddress?: string; timeoutMs?: number } = {}): Promise<WhoamiAnswer | null> {
  const res = await client.send("GET", "/api/v1/agent/whoami", undefined, o);
  if (res?.status !== 200) return null;
  try {
    const parsed = whoamiAnswerSchema.safeParse(JSON.parse(res.body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // a captive portal's page
  }
}
