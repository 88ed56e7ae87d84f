// A fresh ECDSA P-256 key and a PKCS#10 request for it. The CA takes only the key from the request:
// the identity it signs comes from the join token.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

// Node's webcrypto is a standard Crypto; the DOM lib's type it is declared with is not in scope here.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
}

export async function createKeyAndCsr(service: string): Promise<KeyAndCsr> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${service}`, keys, signingAlgorithm: EC_P256 });
  const der = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { keyPem: x509.PemConverter.encode(der, "PRIVATE KEY"), csrPem: csr.toString("pem") };
}
