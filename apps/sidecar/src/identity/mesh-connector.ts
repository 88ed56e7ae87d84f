// Outbound connections to another sidecar over mutual TLS 1.3: our current certificate, the trust
// bundle, and the server must prove it is the destination service, exactly. Each new connection
// takes the certificate in force, so a renewal needs no new pool; open connections finish as they are.
import { buildConnector } from "undici";
import { NoIdentityError } from "../errors";
import { expectService } from "./peer-identity";
import type { WorkloadIdentity } from "./workload-identity";

export function meshConnector(destination: string, identity: WorkloadIdentity, trustDomain: string, timeoutMs: number): buildConnector.connector {
  const checkServerIdentity = expectService(destination, trustDomain);
  return (opts, callback) => {
    const material = identity.current();
    if (!material) {
      callback(new NoIdentityError(`no valid certificate to call "${destination}" over mTLS`), null);
      return;
    }
    const connect = buildConnector({ timeout: timeoutMs, maxCachedSessions: 0, secureContext: material.context, minVersion: "TLSv1.3", rejectUnauthorized: true, checkServerIdentity, ALPNProtocols: ["http/1.1"] });
    connect({ ...opts, protocol: "https:", servername: undefined }, callback);
  };
}
