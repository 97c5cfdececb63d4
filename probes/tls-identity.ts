// Node's TLS client calls checkServerIdentity with getPeerCertificate(true): the whole chain, every certificate
// translated to an object with its fingerprints and key (~250 µs against ~25 µs for the leaf alone; before
// this, the largest single CPU cost of a site check in bench/probes.ts). checkServerIdentity reads only the
// leaf's `subject` and `subjectaltname`, so handing it the leaf gives the same verdict. Only for the duration
// of the handshake: afterwards the socket's own method is back. (Not getPeerX509Certificate() here: on Node 20
// a client's second call to it returns undefined, and tls.ts reads it once, for the certificate summary.)
import type { PeerCertificate, TLSSocket } from "node:tls";

/** Makes `socket`'s handshake fetch only the leaf certificate for the identity check. Call right after connect(). */
export function leafOnlyIdentityCheck(socket: TLSSocket): void {
  const own = socket.getPeerCertificate;
  const leafOnly = (): PeerCertificate => own.call(socket, false);
  socket.getPeerCertificate = leafOnly as TLSSocket["getPeerCertificate"];
  const restore = () => {
    if (socket.getPeerCertificate === leafOnly) Reflect.deleteProperty(socket, "getPeerCertificate");
  };
  socket.once("secureConnect", restore);
  socket.once("close", restore);
}
