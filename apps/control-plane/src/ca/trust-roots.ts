// The CA's roots in memory: parsed certificates, the signing key of the active one, the trust bundle.
// Loaded from the database (a root is generated on first start) or from an operator's files.
import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { CaRepository, CaRootRecord } from "../db";
import { webcrypto } from "node:crypto";
import { EC_P256, exportKeyPem, importKeyPem, randomSerial, x509, type CryptoKey } from "./x509";

export interface LoadedRoot {
  id: string;
  active: boolean;
  certPem: string;
  cert: x509.X509Certificate;
  /** Only the active root's key is ever used. */
  key: CryptoKey | undefined;
}

export interface RootView {
  id: string;
  active: boolean;
  notAfter: string;
  fingerprint: string;
}

/** The first root has a fixed id, so control planes starting together on one database create it once. */
const INITIAL_ROOT_ID = "initial";
const ROOT_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;

export async function generateRoot(trustDomain: string, id: string, now: Date): Promise<CaRootRecord> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=Trellis mesh root ${id}, O=${trustDomain}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + ROOT_LIFETIME_MS),
    signingAlgorithm: EC_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { id, certPem: cert.toString("pem"), keyPem: await exportKeyPem(keys.privateKey), active: true, createdAt: now };
}

export async function loadRecord(record: CaRootRecord): Promise<LoadedRoot> {
  const cert = new x509.X509Certificate(record.certPem);
  const key = record.active && record.keyPem ? await importKeyPem(record.keyPem) : undefined;
  return { id: record.id, active: record.active, certPem: cert.toString("pem"), cert, key };
}

/** Roots from the database; on an empty one, the first root is generated and stored. */
export async function loadStoredRoots(store: CaRepository, trustDomain: string, now: Date): Promise<LoadedRoot[]> {
  let records = await store.listRoots();
  if (records.length === 0) {
    await store.insertRoot(await generateRoot(trustDomain, INITIAL_ROOT_ID, now));
    records = await store.listRoots();
  }
  return Promise.all(records.map(loadRecord));
}

/** An operator's root: certificate and PKCS#8 key in PEM files; it is the only root. */
export async function loadFileRoot(certFile: string, keyFile: string): Promise<LoadedRoot[]> {
  const [certPem, keyPem] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
  return [await loadRecord({ id: "file", certPem, keyPem, active: true, createdAt: new Date() })];
}

export function newRootId(): string {
  return randomUUID();
}

export function viewOf(root: LoadedRoot): RootView {
  const der = Buffer.from(root.cert.rawData);
  return { id: root.id, active: root.active, notAfter: root.cert.notAfter.toISOString(), fingerprint: createHash("sha256").update(der).digest("hex") };
}
