// The sidecar's own identity: a key and certificate for its service, obtained from the CA with the
// join token, renewed at half its remaining lifetime, cached on disk. `current()` is undefined
// before the first certificate and after expiry: callers then fail closed, never fall back to plaintext.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import { spiffeIdOf } from "@trellis/mesh-model";
import type { Logger } from "../log";
import type { CaClient } from "./ca-client";
import { createKeyAndCsr } from "./csr";
import type { CachedIdentity, IdentityCache } from "./identity-cache";

export interface IdentityMaterial {
  readonly spiffeId: string;
  readonly notAfter: number;
  /** The issuing root's subject (the root's id is in its name): shows a root rotation's progress. */
  readonly issuer: string;
  /** Roots in the trust bundle (two while a rotation trusts the old and the new). */
  readonly trustedRoots: number;
  /** Key, certificate and trust bundle, TLS 1.3 only: for the outbound connections. */
  readonly context: SecureContext;
  /** The same as PEM, for the inbound TLS server. */
  readonly keyPem: string;
  readonly certPem: string;
  readonly trustBundle: string;
}

export interface WorkloadIdentityOptions {
  service: string;
  trustDomain: string;
  /** Absent without a join token: the sidecar then uses a cached certificate only, or has no identity. */
  client?: CaClient;
  cache: IdentityCache;
  log: Logger;
  now?: () => number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface IdentityStatus {
  state: "none" | "valid" | "expired";
  spiffeId: string | null;
  notAfter: string | null;
  issuer: string | null;
  trustedRoots: number;
  renewals: number;
  failures: number;
  lastError: string | null;
}

export class WorkloadIdentity {
  private material: IdentityMaterial | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private renewals = 0;
  private failures = 0;
  private lastError: string | null = null;
  private hadCache = false;
  private readonly listeners = new Set<(m: IdentityMaterial) => void>();
  private readonly now: () => number;

  constructor(private readonly options: WorkloadIdentityOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether this sidecar takes part in mTLS at all: it has a join token or a cached certificate. */
  get configured(): boolean {
    return this.options.client !== undefined || this.hadCache;
  }

  /** Loads the cache, then (with a join token) obtains or renews the certificate in the background. */
  async start(): Promise<void> {
    const cached = await this.options.cache.load();
    if (cached) {
      this.hadCache = true;
      try {
        const material = this.materialOf(cached);
        if (material.notAfter > this.now()) {
          this.material = material;
          this.options.log.info("identity_loaded", { spiffeId: material.spiffeId, notAfter: new Date(material.notAfter).toISOString(), from: "cache" });
        } else this.options.log.warn("identity_cache_expired", { file: this.options.cache.file });
      } catch (err) {
        this.options.log.warn("identity_cache_unusable", { file: this.options.cache.file, error: err });
      }
    }
    if (!this.options.client) {
      if (!this.material) {
        this.options.log.warn("identity_none", {
          message: "no --join-token (TRELLIS_JOIN_TOKEN) and no cached certificate: calls to strict (the default) destinations fail with 503 no_identity, and strict peers refuse this sidecar",
        });
      }
      return;
    }
    // Without a usable certificate, the first signing is awaited (one try; retries go on in the
    // background), so a sidecar that can reach its CA listens with an identity. A cached
    // certificate's issue time is unknown: it is renewed at once, and kept meanwhile.
    if (this.material) this.schedule(0);
    else await this.renew();
  }

  /** The identity to present now, or undefined (none yet, or expired). */
  current(): IdentityMaterial | undefined {
    const m = this.material;
    return m && m.notAfter > this.now() ? m : undefined;
  }

  /** Called with each new certificate. */
  onChange(listener: (m: IdentityMaterial) => void): void {
    this.listeners.add(listener);
  }

  get status(): IdentityStatus {
    const m = this.material;
    return {
      state: !m ? "none" : m.notAfter > this.now() ? "valid" : "expired",
      spiffeId: m?.spiffeId ?? null,
      notAfter: m ? new Date(m.notAfter).toISOString() : null,
      issuer: m?.issuer ?? null,
      trustedRoots: m?.trustedRoots ?? 0,
      renewals: this.renewals,
      failures: this.failures,
      lastError: this.lastError,
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), Math.max(0, ms));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const { client, service, cache, log } = this.options;
    if (!client || this.stopped) return;
    const requestedAt = this.now();
    try {
      const { keyPem, csrPem } = await createKeyAndCsr(service);
      const signed = await client.sign(csrPem);
      const identity: CachedIdentity = { service, keyPem, certPem: signed.certificate, trustBundle: signed.trustBundle };
      const material = this.materialOf(identity);
      if (this.stopped) return;
      this.material = material;
      this.renewals++;
      this.failures = 0;
      this.lastError = null;
      log.info("identity_renewed", { spiffeId: material.spiffeId, notAfter: new Date(material.notAfter).toISOString(), tookMs: Math.round(this.now() - requestedAt) });
      for (const l of this.listeners) l(material);
      await cache.save(identity).catch((error: unknown) => log.warn("identity_cache_write_failed", { file: cache.file, error }));
      // Half of the lifetime left from when we asked (the CA back-dates notBefore for clock skew).
      this.schedule((material.notAfter - requestedAt) / 2);
    } catch (err) {
      this.failures++;
      this.lastError = err instanceof Error ? err.message : String(err);
      const { retryMinMs = 500, retryMaxMs = 30_000 } = this.options;
      let wait = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(this.failures - 1, 16));
      // Never sleep past most of the remaining lifetime: retry faster as expiry nears.
      const left = (this.material?.notAfter ?? 0) - this.now();
      if (left > 0) wait = Math.min(wait, Math.max(retryMinMs, left / 4));
      log.warn("identity_renewal_failed", { error: this.lastError, failures: this.failures, retryInMs: Math.round(wait), current: this.status.state });
      this.schedule(wait);
    }
  }

  /** Checks that a certificate is ours and builds its TLS context. */
  private materialOf(identity: CachedIdentity): IdentityMaterial {
    const { service, trustDomain } = this.options;
    const spiffeId = spiffeIdOf(trustDomain, service);
    const cert = new X509Certificate(identity.certPem);
    if (identity.service !== service || cert.subjectAltName !== `URI:${spiffeId}`) throw new Error(`the certificate is for ${cert.subjectAltName ?? "nothing"}, not ${spiffeId}`);
    if (!cert.checkPrivateKey(createPrivateKey(identity.keyPem))) throw new Error("the certificate does not match the key");
    const context = createSecureContext({ key: identity.keyPem, cert: identity.certPem, ca: identity.trustBundle, minVersion: "TLSv1.3" });
    const trustedRoots = identity.trustBundle.split("-----BEGIN CERTIFICATE-----").length - 1;
    return { spiffeId, notAfter: Date.parse(cert.validTo), issuer: cert.issuer, trustedRoots, context, keyPem: identity.keyPem, certPem: identity.certPem, trustBundle: identity.trustBundle };
  }
}
