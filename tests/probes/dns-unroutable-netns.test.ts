// A resolver with no route to it from the bound source address (an agent's --measure-via policy route gone
// mid-round): the UDP socket's connect() fails with ENETUNREACH and calls back with the error. The exchange
// must end as a dns_error result, not send on an unconnected socket (which threw out of a timer and crashed
// the agent). Run in a namespace of its own whose only route is its /30, so nothing can leave it.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, netnsAvailable, type LabHost } from "../helpers/netns.js";

const DNS_MODULE = fileURLToPath(new URL("../../probes/dns.ts", import.meta.url));

describe.skipIf(!netnsAvailable())("DNS over UDP to a resolver without a route", () => {
  let lab: NetLab;
  let host: LabHost;
  beforeAll(() => {
    lab = new NetLab();
    host = lab.addHost("unr");
    lab.exec(host, "ip", ["route", "del", "default"]);
  });
  afterAll(async () => lab.cleanup());

  it("is a dns_error result from a process that keeps running", async () => {
    const unroutable = host.gateway.replace(/\.\d+$/, ".250");
    const script = `
      const { probeDns } = await import(${JSON.stringify(DNS_MODULE)});
      const r = await probeDns("site.test", { timeoutSeconds: 2, resolver: "${unroutable}:53",
        localAddress: { ipv4: "${host.address}", ipv6: null } });
      setTimeout(() => { console.log("RESULT " + JSON.stringify({ failure: r.failure })); }, 1500);`;
    const p = lab.spawn(host, process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
    const [, json] = await NetLab.waitForLine(p, /RESULT (\{.*\})/, 60_000);
    expect(JSON.parse(json!)).toEqual({ failure: "dns_error" });
  }, 90_000);
});
