// `keepwatch agent enroll CODE --server URL`: redeems a one-time code at the first server (relay) that
// answers, then stores the servers, probe identity and token in the state directory (mode 0600).
import { enrollmentSchema, saveEnrollment, serverUrlProblem, type Enrollment } from "./state-dir.js";

export class EnrollError extends Error {}

export interface EnrollOptions {
  code: string;
  servers: string[];
  stateDir: string;
  insecureLabHttp?: boolean;
  timeoutMs?: number;
}

const answerSchema = enrollmentSchema.pick({ probeId: true, region: true, network: true, token: true });

export async function enroll(o: EnrollOptions): Promise<Enrollment> {
  if (o.servers.length === 0) throw new EnrollError("give the server with --server https://…");
  for (const s of o.servers) {
    const problem = serverUrlProblem(s, o.insecureLabHttp === true);
    if (problem) throw new EnrollError(problem);
  }
  const errors: string[] = [];
  for (const server of o.servers) {
    let res: Response;
    try {
      res = await fetch(new URL("/api/v1/enroll", server), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: o.code.trim() }),
        signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
        redirect: "error",
      });
    } catch (err) {
      // Unreachable: the next relay may answer; the code is not used up.
      errors.push(`${new URL(server).origin}: ${(err as Error).message}`);
      continue;
    }
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (res.status === 201) {
      const answer = answerSchema.safeParse(body);
      if (!answer.success) throw new EnrollError(`${new URL(server).origin} answered, but not with an enrollment`);
      const enrollment: Enrollment = { ...answer.data, servers: o.servers, enrolledAt: new Date().toISOString(),
        insecureLabHttp: o.insecureLabHttp === true };
      saveEnrollment(o.stateDir, enrollment);
      return enrollment;
    }
    const message = body?.error?.message ?? `HTTP ${res.status}`;
    // A verdict on the code (401) or the request (4xx) is final; another relay would say the same.
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      throw new EnrollError(`enrollment refused: ${message}`);
    }
    errors.push(`${new URL(server).origin}: ${message}`);
  }
  throw new EnrollError(`no server could enroll this probe (${errors.join("; ")}); try again later (a code a server did redeem is used up: ask for a new one)`);
}
