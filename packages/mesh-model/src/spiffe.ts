// Workload identities as SPIFFE-style URIs: spiffe://<trust-domain>/service/<name>. The sidecar and the
// CA build and read them here, so both compare the same exact string.
import { z } from "zod";
import { ZServiceName } from "./identity";

/** A DNS name, lower case: the trust domain every identity of one mesh shares. */
export const ZTrustDomain = z
  .string()
  .max(255)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "must be a lower-case DNS name such as trellis.local");

export const DEFAULT_TRUST_DOMAIN = "trellis.local";

export function spiffeIdOf(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/service/${service}`;
}

/** The service of an identity in `trustDomain`, or undefined: no prefixes, no patterns, one exact form. */
export function serviceOfSpiffeId(uri: string, trustDomain: string): string | undefined {
  const prefix = `spiffe://${trustDomain}/service/`;
  if (!uri.startsWith(prefix)) return undefined;
  const name = uri.slice(prefix.length);
  return ZServiceName.safeParse(name).success && spiffeIdOf(trustDomain, name) === uri ? name : undefined;
}
