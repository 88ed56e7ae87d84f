// The registry's self-preservation guard (after Eureka's renewal threshold): when most of the instances
// that should have renewed their lease in the last window did not, the likelier cause is a control-plane
// or network problem rather than a fleet that died at once, so lapsed leases stop being expired until
// renewals recover. Pure decision here; RegistryService applies it on every lease sweep.
import type { InstanceRecord } from "../db/repositories";

export interface SelfPreservationSettings {
  /** Guard when renewals fall below this share of the expected ones (0 turns the guard off). */
  threshold: number;
  /** Fewer instances expected to renew than this never trigger the guard (one dead sidecar of two is no outage). */
  minInstances: number;
  /** An instance renewed if it heartbeated (or registered) within this window; healthy ones do so every third of a lease. */
  renewalWindowMs: number;
}

export interface RenewalCount {
  expectedRenewals: number;
  actualRenewals: number;
}

/**
 * Counts, among instances the registry still lists (not deregistered, lease after `listedAfter`), how
 * many renewed within the window. Reads only stored rows, so every replica counts the same fleet
 * whichever replica the heartbeats reached.
 */
export function countRenewals(instances: ReadonlyArray<InstanceRecord>, listedAfter: Date, now: Date, windowMs: number): RenewalCount {
  const renewedAfter = now.getTime() - windowMs;
  let expectedRenewals = 0;
  let actualRenewals = 0;
  for (const i of instances) {
    if (i.deregisteredAt !== null || i.leaseExpiresAt.getTime() <= listedAfter.getTime()) continue;
    expectedRenewals++;
    if (i.lastHeartbeatAt.getTime() > renewedAfter) actualRenewals++;
  }
  return { expectedRenewals, actualRenewals };
}

export function shouldPreserve(count: RenewalCount, settings: Pick<SelfPreservationSettings, "threshold" | "minInstances">): boolean {
  if (settings.threshold <= 0 || count.expectedRenewals === 0 || count.expectedRenewals < settings.minInstances) return false;
  return count.actualRenewals < settings.threshold * count.expectedRenewals;
}

/** What the API shows (GET /api/v1/registry). */
export interface SelfPreservationStatus extends RenewalCount {
  active: boolean;
  /** When the guard turned on (ISO time), or null while off. */
  since: string | null;
  threshold: number;
  minInstances: number;
  renewalWindowMs: number;
  /** The sweep that counted these renewals (ISO time), or null before the first. */
  evaluatedAt: string | null;
}
