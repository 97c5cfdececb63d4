// `keepwatch agent enroll`: one-time code in, server and token saved in the state directory.
import { enroll, EnrollError } from "../agent/enroll.js";
import { stateDirOf } from "./agent-options.js";

/** `keepwatch agent enroll CODE --server URL`: exit 0 enrolled, 2 refused or unreachable. */
export async function runEnroll(code: string, o: { server: string[]; stateDir?: string; insecureLabHttp?: boolean }): Promise<number> {
  const stateDir = stateDirOf(o);
  try {
    const e = await enroll({ code, servers: o.server, stateDir, insecureLabHttp: o.insecureLabHttp === true });
    console.log(`enrolled as probe ${e.probeId} (${e.region}, ${e.network.id}); settings saved in ${stateDir}`);
    console.log("start measuring with: keepwatch agent");
    return 0;
  } catch (err) {
    if (!(err instanceof EnrollError)) throw err;
    console.error(`keepwatch agent enroll: ${err.message}`);
    return 2;
  }
}
