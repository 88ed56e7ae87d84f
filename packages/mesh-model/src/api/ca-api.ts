// The certificate authority's HTTP contract: sidecars send a CSR with a join token and get a short-lived
// certificate for their service; operators create join tokens and rotate trust roots.
import { z } from "zod";
import { ZServiceName } from "../identity";
import { ZDuration } from "../duration";

export const CA_API = {
  sign: "/api/v1/ca/sign",
  bundle: "/api/v1/ca/bundle",
  joinTokens: "/api/v1/ca/join-tokens",
  roots: "/api/v1/ca/roots",
} as const;

/** Sent as `authorization: Bearer <token>` with a signing request. */
export const ZSignRequest = z.strictObject({
  /** PKCS#10 PEM, ECDSA P-256. Its subject and extensions are ignored: the identity comes from the token. */
  csr: z.string().min(1).max(16_384),
});
export type SignRequest = z.infer<typeof ZSignRequest>;

export const ZSignResponse = z.strictObject({
  /** PEM of the leaf certificate. */
  certificate: z.string().min(1),
  spiffeId: z.string().min(1),
  notAfter: z.iso.datetime(),
  /** PEM of every trusted root, concatenated. */
  trustBundle: z.string().min(1),
});
export type SignResponse = z.infer<typeof ZSignResponse>;

export const ZTrustBundleResponse = z.strictObject({
  trustBundle: z.string().min(1),
  roots: z.array(z.strictObject({ id: z.string(), active: z.boolean(), notAfter: z.iso.datetime(), fingerprint: z.string() })),
});
export type TrustBundleResponse = z.infer<typeof ZTrustBundleResponse>;

export const ZCreateJoinTokenRequest = z.strictObject({
  service: ZServiceName,
  /** How long the token may be used; absent: until it is deleted. */
  ttl: ZDuration.optional(),
});
export type CreateJoinTokenRequest = z.infer<typeof ZCreateJoinTokenRequest>;

export const ZJoinTokenResponse = z.strictObject({
  id: z.string(),
  service: ZServiceName,
  /** Only in the answer to its creation; stored as a hash. */
  token: z.string().optional(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
});
export type JoinTokenResponse = z.infer<typeof ZJoinTokenResponse>;

export const ZAddRootRequest = z.strictObject({
  /** Sign new certificates with the new root at once; by default it is only trusted until activated. */
  activate: z.boolean().optional(),
});
