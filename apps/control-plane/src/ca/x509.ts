// @peculiar/x509 on node's WebCrypto. tsyringe inside it needs the reflect polyfill loaded first.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

// Node's webcrypto is a standard Crypto; the DOM lib's type it is declared with is not in scope here.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

export type CryptoKey = webcrypto.CryptoKey;

export { x509 };
export const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A positive 128-bit serial number, hex (RFC 5280 wants at most 20 bytes, non-negative). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

export async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

export async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  if (!der) throw new Error("no PEM block in the key");
  return webcrypto.subtle.importKey("pkcs8", der, EC_P256, false, ["sign"]);
}
