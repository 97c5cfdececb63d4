// The agent's assignment: fetched from the server (any relay), cached in the state directory, and read
// from the cache while no server answers — a probe in a region being cut off keeps measuring what it was
// told to measure.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { TargetConfig } from "../config/schema.js";
import type { ServerClient } from "./server-client.js";
import { writePrivateFile } from "./state-dir.js";

export const assignmentSchema = z.object({
  probeId: z.string(),
  region: z.string(),
  network: z.object({ id: z.string(), asn: z.number().int().nullable(), kind: z.enum(["mobile", "fixed", "unknown"]) }),
  schedule: z.object({ cron: z.string(), timeoutSeconds: z.number().positive(), concurrency: z.number().int().positive() }),
  resolvers: z.object({ resolver: z.string().nullable(), controlResolver: z.string().nullable() }),
  helpers: z.array(z.string().url()),
  targets: z.array(z.object({ url: z.string().url(), list: z.enum(["whitelisted", "non_whitelisted"]), category: z.string(), throughput: z.boolean() })),
});
export type Assignment = z.infer<typeof assignmentSchema>;

export type AssignmentOrigin = "server" | "cache";

export class AssignmentSource {
  private readonly path: string;
  /** Why the last fetch failed (null when it succeeded). */
  lastError: string | null = null;

  constructor(private readonly client: ServerClient, stateDir: string) {
    this.path = join(stateDir, "assignment.json");
  }

  /** The server's assignment (cached on success), else the cached one, else null. */
  async current(): Promise<{ assignment: Assignment; origin: AssignmentOrigin } | null> {
    const answer = await this.client.send("GET", "/api/v1/agent/assignment");
    if (answer?.status === 200) {
      let parsed: ReturnType<typeof assignmentSchema.safeParse> | null = null;
      try {
        parsed = assignmentSchema.safeParse(JSON.parse(answer.body));
      } catch {
        parsed = null;
      }
      if (parsed?.success) {
        writePrivateFile(this.path, `${JSON.stringify(parsed.data)}\n`);
        this.lastError = null;
        return { assignment: parsed.data, origin: "server" };
      }
      // A captive portal's 200 page is not an assignment: keep the cached one.
      this.lastError = "assignment: the answer was not an assignment (captive portal?)";
    } else {
      this.lastError = answer ? `assignment: server answered ${answer.status}` : "assignment: no server reachable";
    }
    const cached = this.cached();
    return cached ? { assignment: cached, origin: "cache" } : null;
  }

  cached(): Assignment | null {
    if (!existsSync(this.path)) return null;
    try {
      const parsed = assignmentSchema.safeParse(JSON.parse(readFileSync(this.path, "utf8")));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}

export function assignedTargets(a: Assignment): TargetConfig[] {
  return a.targets.map((t) => ({ url: t.url, list: t.list, category: t.category, throughput: t.throughput }));
}
