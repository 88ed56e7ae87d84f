// Who is who in the mesh: service names, versions and instance ids, as the registry and the
// telemetry both spell them.
import { z } from "zod";

/** A DNS-label-like service name: lower case, digits and dashes, 1-63 characters. */
export const ZServiceName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: a-z, 0-9 and '-', 1-63 characters");
export type ServiceName = z.infer<typeof ZServiceName>;

/** A version label such as `v1`, `2024-11-01` or `1.4.2-rc1`. */
export const ZVersion = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, "must be 1-63 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
export type Version = z.infer<typeof ZVersion>;

export const ZInstanceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
export type InstanceId = z.infer<typeof ZInstanceId>;

export const ZLabels = z.record(z.string().min(1).max(63), z.string().max(255));
export type Labels = z.infer<typeof ZLabels>;

export const ZHost = z.string().min(1).max(255);
export const ZPort = z.int().min(1).max(65535);
