// Mutual TLS on the inbound listener. Each new connection's first byte says what it is: 0x16 starts a
// TLS handshake (the client must present a certificate of this mesh, verified against the trust
// bundle); anything else is plaintext, accepted only in permissive mode. Verified connections are
// handed to the HTTP server with the peer's service recorded for the authorize layer.
import { constants } from "node:crypto";
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { Server as TlsServer, type TLSSocket } from "node:tls";
import type { MtlsMode } from "@trellis/mesh-model";
import type { Logger } from "../log";
import { serviceOfCertificate } from "./peer-identity";
import type { IdentityMaterial } from "./workload-identity";

const TLS_HANDSHAKE = 0x16;

export interface MtlsListenerOptions {
  /** The sidecar's certificate in force (WorkloadIdentity.current), or undefined: TLS is then refused. */
  identity: () => IdentityMaterial | undefined;
  trustDomain: string;
  /** The mode of the bundle in force (strict before the first bundle). */
  mode: () => MtlsMode;
  log: Logger;
  /** A connection that has not sent its first byte or finished its handshake by then is closed. */
  handshakeTimeoutMs?: number;
}

export interface MtlsCounters {
  tls: number;
  plaintext: number;
  refusedPlaintext: number;
  refusedNoIdentity: number;
  failedHandshakes: number;
}

const peers = new WeakMap<object, string>();

/** The verified service of the peer on this socket; undefined for plaintext. */
export function peerServiceOf(socket: object): string | undefined {
  return peers.get(socket);
}

export function acceptMtls(server: Server, options: MtlsListenerOptions): MtlsCounters {
  const { identity, trustDomain, mode, log, handshakeTimeoutMs = 10_000 } = options;
  const counters: MtlsCounters = { tls: 0, plaintext: 0, refusedPlaintext: 0, refusedNoIdentity: 0, failedHandshakes: 0 };
  // node:http's own connection handling (and anyone else's) runs once we know what the socket is.
  const handlers = server.listeners("connection") as Array<(socket: unknown) => void>;
  server.removeAllListeners("connection");
  const toHttp = (socket: Socket | TLSSocket) => {
    for (const handler of handlers) handler.call(server, socket);
  };

  // One TLS server per certificate: a renewal makes a new one for new connections; open ones go on.
  const tlsServers = new WeakMap<IdentityMaterial, TlsServer>();
  const tlsServerFor = (m: IdentityMaterial): TlsServer => {
    let tlsServer = tlsServers.get(m);
    if (!tlsServer) {
      // No session resumption (SSL_OP_NO_TICKET: TLS 1.3 tickets are then stateful, and node keeps no
      // session cache without a "resumeSession" listener). A resumed session skips the client's
      // certificate: with node's default stateless tickets, a client holding a ticket from an earlier
      // connection was accepted as the identity the ticket was issued to for the ticket's life (300 s),
      // even after that certificate had expired. Every connection now presents a certificate that is
      // verified then. It also spares sealing two stateless tickets (the session with the client's
      // certificate, encrypted) per handshake: ~0.5 ms of ~4 ms of the server's CPU per new connection.
      tlsServer = new TlsServer({
        key: m.keyPem,
        cert: m.certPem,
        ca: m.trustBundle,
        minVersion: "TLSv1.3",
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ["http/1.1"],
        handshakeTimeout: handshakeTimeoutMs,
        secureOptions: constants.SSL_OP_NO_TICKET,
      });
      tlsServer.on("secureConnection", (tls: TLSSocket) => {
        const peer = serviceOfCertificate(tls.getPeerCertificate(), trustDomain);
        if (!tls.authorized || peer === undefined) {
          counters.failedHandshakes++;
          log.warn("tls_peer_refused", { remote: tls.remoteAddress, reason: tls.authorizationError ?? "no identity of this mesh in the certificate" });
          tls.destroy();
          return;
        }
        counters.tls++;
        peers.set(tls, peer);
        toHttp(tls);
      });
      tlsServer.on("tlsClientError", (err: Error, tls: TLSSocket) => {
        counters.failedHandshakes++;
        log.debug("tls_handshake_failed", { remote: tls.remoteAddress, error: err.message });
      });
      tlsServers.set(m, tlsServer);
    }
    return tlsServer;
  };

  server.on("connection", (socket: Socket) => {
    const ignore = () => {};
    socket.on("error", ignore);
    const timer = setTimeout(() => socket.destroy(), handshakeTimeoutMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] !== TLS_HANDSHAKE) {
        if (mode() === "strict") {
          counters.refusedPlaintext++;
          log.debug("plaintext_refused", { remote: socket.remoteAddress, mode: "strict" });
          socket.destroy();
          return;
        }
        counters.plaintext++;
        clearTimeout(timer);
        socket.off("error", ignore);
        toHttp(socket);
        socket.resume();
        return;
      }
      const material = identity();
      if (!material) {
        // No certificate, or an expired one: refuse rather than present it.
        counters.refusedNoIdentity++;
        log.warn("tls_refused", { remote: socket.remoteAddress, reason: "no_identity" });
        socket.destroy();
        return;
      }
      // node's TLS server verifies the client's chain against the trust bundle and refuses it otherwise.
      clearTimeout(timer);
      socket.off("error", ignore);
      // Left paused: the TLS socket takes over the handle and the byte already read.
      tlsServerFor(material).emit("connection", socket);
    });
  });
  return counters;
}
