// The identity check sees the leaf certificate only (not the detailed chain), and the socket's own
// getPeerCertificate is back once the handshake is over.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import { checkServerIdentity, connect, createServer, type PeerCertificate, type Server } from "node:tls";
import { leafOnlyIdentityCheck } from "../../probes/tls-identity.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";

let pki: TestPki;
let server: Server;
let port: number;

beforeAll(async () => {
  pki = makeTestPki();
  const leaf = pki.leaf(["site.test"]);
  server = createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  pki.cleanup();
});

/** Handshake for `name`, recording what the identity check was given. */
async function handshake(name: string, leafOnly: boolean) {
  const seen: Array<PeerCertificate & { issuerCertificate?: unknown }> = [];
  const socket = connect({
    host: "127.0.0.1", port, servername: name, ca: pki.caCert, rejectUnauthorized: false,
    checkServerIdentity: (host, cert) => {
      seen.push(cert);
      return checkServerIdentity(host, cert);
    },
  });
  if (leafOnly) leafOnlyIdentityCheck(socket);
  await new Promise((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
  const after = socket.getPeerCertificate(true);
  const result = { seen, authorized: socket.authorized, error: String(socket.authorizationError ?? ""), after };
  socket.destroy();
  return result;
}

describe("leafOnlyIdentityCheck", () => {
  it("gives the identity check the leaf alone, with the same verdicts as the detailed chain", async () => {
    for (const name of ["site.test", "other.test"]) {
      const full = await handshake(name, false);
      const leaf = await handshake(name, true);
      expect(full.seen[0]?.issuerCertificate).toBeDefined();
      expect(leaf.seen[0]?.issuerCertificate).toBeUndefined();
      expect(leaf.seen[0]?.subjectaltname).toBe(full.seen[0]?.subjectaltname);
      expect(leaf.seen[0]?.subject).toEqual(full.seen[0]?.subject);
      expect([leaf.authorized, leaf.error]).toEqual([full.authorized, full.error]);
    }
    expect((await handshake("other.test", true)).error).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("puts the socket's own method back after the handshake", async () => {
    const r = await handshake("site.test", true);
    expect(r.after.issuerCertificate).toBeDefined();
  });
});
