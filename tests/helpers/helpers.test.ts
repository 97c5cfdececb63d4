import { describe, expect, it } from "vitest";
import { createSecureContext } from "node:tls";
import { X509Certificate } from "node:crypto";
import { makeTestPki } from "./certs.js";
import { startTestRedis } from "./redis.js";
import { Redis } from "ioredis";

describe("test helpers", () => {
  it("makes a CA, a valid leaf and an expired leaf", () => {
    const pki = makeTestPki();
    try {
      const leaf = pki.leaf(["example.test", "198.18.0.1"]);
      createSecureContext({ key: leaf.key, cert: leaf.cert });
      const x = new X509Certificate(leaf.cert);
      expect(x.verify(new X509Certificate(pki.caCert).publicKey)).toBe(true);
      expect(x.subjectAltName).toContain("DNS:example.test");
      const expired = new X509Certificate(pki.leaf(["old.test"], { expired: true }).cert);
      expect(new Date(expired.validTo).getTime()).toBeLessThan(Date.now());
    } finally {
      pki.cleanup();
    }
  });

  it("starts a real redis-server that keeps data across a restart", async () => {
    const r = await startTestRedis();
    try {
      let c = new Redis(r.url);
      await c.set("k", "v");
      await c.quit();
      await r.stop();
      await r.restart();
      c = new Redis(r.url);
      expect(await c.get("k")).toBe("v");
      await c.quit();
    } finally {
      await r.cleanup();
    }
  });
});
