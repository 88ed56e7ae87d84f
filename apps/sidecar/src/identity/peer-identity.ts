// Reads the service out of a peer's verified certificate: its one SPIFFE URI SAN in our trust domain,
// compared exactly (no prefixes, no patterns).
import type { PeerCertificate } from "node:tls";
import { serviceOfSpiffeId } from "@trellis/mesh-model";

/** The URI SANs of a certificate, from node's "URI:a, DNS:b" rendering. */
function uriSans(cert: PeerCertificate): string[] {
  const san = cert.subjectaltname;
  if (!san) return [];
  return san
    .split(", ")
    .filter((entry) => entry.startsWith("URI:"))
    .map((entry) => entry.slice(4));
}

/** The peer's service, or undefined unless it has exactly one URI SAN and that is ours. */
export function serviceOfCertificate(cert: PeerCertificate | undefined, trustDomain: string): string | undefined {
  if (!cert) return undefined;
  const uris = uriSans(cert);
  return uris.length === 1 ? serviceOfSpiffeId(uris[0]!, trustDomain) : undefined;
}

/** For tls.connect: the server must be the destination service, exactly. */
export function expectService(service: string, trustDomain: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const got = serviceOfCertificate(cert, trustDomain);
    if (got === service) return undefined;
    const err = new Error(`the peer's certificate is for ${got === undefined ? "no identity of this mesh" : `service "${got}"`}, not "${service}"`);
    return Object.assign(err, { code: "ERR_TLS_PEER_IDENTITY" });
  };
}
