// The mesh's certificate authority: signs a sidecar's CSR for the service its join token is bound to
// (SPIFFE URI SAN, short lifetime), serves the trust bundle, and rotates roots in three steps: add a
// root (trusted, not signing), activate it (signing), remove the old one.
import { spiffeIdOf, type SignResponse } from "@trellis/mesh-model";
import type { CaRepository } from "../db";
import type { Logger } from "../log";
import { BadCsrError, RootChangeRefusedError } from "./ca-errors";
import { generateRoot, loadFileRoot, loadStoredRoots, newRootId, viewOf, type LoadedRoot, type RootView } from "./trust-roots";
import { EC_P256, randomSerial, x509 } from "./x509";

export interface CaOptions {
  store: CaRepository;
  trustDomain: string;
  certTtlMs: number;
  /** An operator's root in PEM files; then the database keeps no root and rotation is by replacing the files. */
  rootFiles?: { certFile: string; keyFile: string };
  now?: () => Date;
  log: Logger;
}

/** Certificates start a minute in the past, so a peer whose clock is a little behind accepts them. */
const CLOCK_SKEW_MS = 60_000;

export class CertificateAuthority {
  private roots: LoadedRoot[] = [];
  private readonly now: () => Date;

  private constructor(private readonly options: CaOptions) {
    this.now = options.now ?? (() => new Date());
  }

  static async open(options: CaOptions): Promise<CertificateAuthority> {
    const ca = new CertificateAuthority(options);
    await ca.reload();
    const active = ca.roots.find((r) => r.active);
    options.log.info("ca_ready", { trustDomain: options.trustDomain, roots: ca.roots.length, activeRoot: active?.id, source: options.rootFiles ? "files" : "database" });
    return ca;
  }

  get trustDomain(): string {
    return this.options.trustDomain;
  }

  trustBundle(): string {
    return this.roots.map((r) => r.certPem.trim()).join("\n") + "\n";
  }

  rootViews(): RootView[] {
    return this.roots.map(viewOf);
  }

  /** Signs `csrPem` as `service`. The CSR only contributes its public key; the identity comes from the caller. */
  async sign(csrPem: string, service: string): Promise<SignResponse> {
    const csr = await parseCsr(csrPem);
    const root = this.signer();
    const now = this.now();
    const notAfter = new Date(Math.min(now.getTime() + this.options.certTtlMs, root.cert.notAfter.getTime()));
    const spiffeId = spiffeIdOf(this.options.trustDomain, service);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `CN=${service}`,
      issuer: root.cert.subject,
      notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
      notAfter,
      signingAlgorithm: EC_P256,
      publicKey: csr.publicKey,
      signingKey: root.key!,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId }], true),
        await x509.AuthorityKeyIdentifierExtension.create(root.cert.publicKey),
      ],
    });
    return { certificate: cert.toString("pem"), spiffeId, notAfter: notAfter.toISOString(), trustBundle: this.trustBundle() };
  }

  /** Rotation step 1 (or all at once with `activate`): a new root, trusted from now on. */
  async addRoot(activate: boolean): Promise<RootView> {
    this.refuseForFiles();
    const record = await generateRoot(this.options.trustDomain, newRootId(), this.now());
    await this.options.store.insertRoot({ ...record, active: false });
    if (activate) await this.options.store.activateRoot(record.id);
    await this.reload();
    this.options.log.info("ca_root_added", { id: record.id, active: activate });
    return viewOf(this.roots.find((r) => r.id === record.id)!);
  }

  /** Rotation step 2: the root signs from now on; the others stay trusted. */
  async activateRoot(id: string): Promise<boolean> {
    this.refuseForFiles();
    const root = (await this.options.store.listRoots()).find((r) => r.id === id);
    if (!root) return false;
    if (!root.keyPem) throw new RootChangeRefusedError(`root ${id} has no key in the database and cannot sign`);
    await this.options.store.activateRoot(id);
    await this.reload();
    this.options.log.info("ca_root_activated", { id });
    return true;
  }

  /** Rotation step 3: certificates from the removed root are no longer trusted by sidecars that renew. */
  async removeRoot(id: string): Promise<boolean> {
    this.refuseForFiles();
    await this.reload();
    const root = this.roots.find((r) => r.id === id);
    if (!root) return false;
    if (root.active) throw new RootChangeRefusedError(`root ${id} is the active root; activate another one before removing it`);
    await this.options.store.deleteRoot(id);
    await this.reload();
    this.options.log.info("ca_root_removed", { id });
    return true;
  }

  /** Re-reads the roots (another control plane may have rotated them). */
  async reload(): Promise<void> {
    const { store, trustDomain, rootFiles } = this.options;
    this.roots = rootFiles ? await loadFileRoot(rootFiles.certFile, rootFiles.keyFile) : await loadStoredRoots(store, trustDomain, this.now());
  }

  private signer(): LoadedRoot {
    const root = this.roots.find((r) => r.active && r.key);
    if (!root) throw new RootChangeRefusedError("the CA has no active root with a key");
    return root;
  }

  private refuseForFiles(): void {
    if (this.options.rootFiles) throw new RootChangeRefusedError("the root comes from --ca-cert-file/--ca-key-file; rotate it by replacing the files and restarting");
  }
}

async function parseCsr(pem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw new BadCsrError(`not a PKCS#10 certificate request: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The public key is parsed lazily, on first access: a CSR whose outer structure is sound can still
  // carry key parameters that do not decode (a flipped bit in the curve's domain parameters, say).
  let alg: x509.PublicKey["algorithm"];
  try {
    alg = csr.publicKey.algorithm;
  } catch (err) {
    throw new BadCsrError(`the CSR's public key does not decode: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (alg.name !== "ECDSA" || !("namedCurve" in alg) || alg.namedCurve !== "P-256") {
    throw new BadCsrError(`the CSR's key must be ECDSA P-256, not ${alg.name}`);
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new BadCsrError("the CSR's signature does not verify with its own public key");
  return csr;
}
