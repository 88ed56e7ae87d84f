import "reflect-metadata";
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, createSecureContext, type SecureContext } from "node:tls";
import { after, before, describe, it } from "node:test";
import * as x509 from "@peculiar/x509";
import { silentLogger } from "../log";
import { acceptMtls, peerServiceOf, type MtlsCounters } from "./mtls-listener";
import type { IdentityMaterial } from "./workload-identity";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const TRUST_DOMAIN = "trellis.local";

interface Issued {
  keyPem: string;
  certPem: string;
}

async function keyPemOf(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** A root, and leaf certificates for services, as the control plane's CA issues them (one SPIFFE URI SAN). */
async function testCa() {
  const rootKeys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const now = Date.now();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=trellis test root",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    keys: rootKeys,
    signingAlgorithm: EC_P256,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  let serial = 2;
  const issue = async (service: string): Promise<Issued> => {
    const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16).padStart(2, "0"),
      subject: "",
      issuer: root.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      publicKey: keys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: "url", value: `spiffe://${TRUST_DOMAIN}/service/${service}` }], true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ],
    });
    return { keyPem: await keyPemOf(keys.privateKey), certPem: cert.toString("pem") };
  };
  return { rootPem: root.toString("pem"), issue };
}

interface Answer {
  status: number;
  body: string;
  reused: boolean;
  session: Buffer | undefined;
}

/** One GET over mutual TLS on a new connection, offering `session` for resumption; resolves when the connection has closed. */
function getOverTls(port: number, context: SecureContext, session?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let reused = false;
    let ticket: Buffer | undefined;
    let data = "";
    const socket = connect({ host: "127.0.0.1", port, secureContext: context, minVersion: "TLSv1.3", checkServerIdentity: () => undefined, ...(session ? { session } : {}) }, () => {
      reused = socket.isSessionReused();
      socket.write("GET / HTTP/1.1\r\nhost: ledger\r\nconnection: close\r\n\r\n");
    });
    socket.on("session", (s: Buffer) => (ticket = s));
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (data += d));
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4), reused, session: ticket });
    });
  });
}

describe("acceptMtls", () => {
  let server: Server;
  let port: number;
  let counters: MtlsCounters;
  let web: SecureContext;

  before(async () => {
    const ca = await testCa();
    const [ledger, webCert] = await Promise.all([ca.issue("ledger"), ca.issue("web")]);
    const material = { keyPem: ledger.keyPem, certPem: ledger.certPem, trustBundle: ca.rootPem } as IdentityMaterial;
    web = createSecureContext({ key: webCert.keyPem, cert: webCert.certPem, ca: ca.rootPem });
    // The app answers with the verified caller the listener recorded for the connection.
    server = createServer((req, res) => res.end(peerServiceOf(req.socket) ?? "none"));
    counters = acceptMtls(server, { identity: () => material, trustDomain: TRUST_DOMAIN, mode: () => "strict", log: silentLogger });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("hands the verified caller to the app", async () => {
    const r = await getOverTls(port, web);
    assert.equal(r.status, 200);
    assert.equal(r.body, "web");
  });

  it("never resumes a session: a ticket from an earlier connection buys no identity, each connection presents its certificate", async () => {
    const tls0 = counters.tls;
    const first = await getOverTls(port, web);
    assert.equal(first.body, "web");
    // TLS 1.3 servers send tickets after the handshake; a client offering one back must still do a full handshake.
    assert.ok(first.session, "the client got a ticket to offer");
    const second = await getOverTls(port, web, first.session);
    assert.equal(second.reused, false, "the server did not resume the earlier session");
    assert.equal(second.status, 200);
    assert.equal(second.body, "web");
    assert.equal(counters.tls - tls0, 2, "both connections went through the certificate check");
  });
});
