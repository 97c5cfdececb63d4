import { afterAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { NetLab } from "./netns.js";

describe("NetLab", () => {
  const lab = new NetLab();
  afterAll(() => lab.cleanup());

  it("reaches a TCP server inside a namespace, and iptables there can make it time out", async () => {
    const host = lab.addHost("srv");
    const srv = lab.spawn(host, process.execPath, ["-e",
      "require('net').createServer(s=>s.end('hi')).listen(7000,'0.0.0.0',()=>console.log('ready'))"]);
    await NetLab.waitForLine(srv, /ready/);
    const read = () => new Promise<string>((ok, fail) => {
      const s = connect({ host: host.address, port: 7000, timeout: 1000 });
      let d = "";
      s.on("data", (b) => (d += b.toString()));
      s.on("end", () => ok(d));
      s.on("timeout", () => { s.destroy(); fail(new Error("timeout")); });
      s.on("error", fail);
    });
    expect(await read()).toBe("hi");
    lab.iptables(host, ["-A", "INPUT", "-p", "tcp", "--dport", "7000", "-j", "DROP"]);
    await expect(read()).rejects.toThrow("timeout");
  });
});
