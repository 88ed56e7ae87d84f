// When an instance counts as up, and how long a gone one stays listed.
import type { InstanceRecord } from "../db/repositories";

/** Sidecars that left or lapsed stay listed this long, so an operator sees them go. */
export const GONE_INSTANCE_HORIZON_MS = 3_600_000;

export const isUp = (i: InstanceRecord, nowMs: number): boolean => i.deregisteredAt === null && i.leaseExpiresAt.getTime() > nowMs;

/** Up, or gone less than the horizon ago. */
export function isRecent(i: InstanceRecord, nowMs: number): boolean {
  const goneAt = i.deregisteredAt ?? i.leaseExpiresAt;
  return goneAt.getTime() > nowMs - GONE_INSTANCE_HORIZON_MS;
}
