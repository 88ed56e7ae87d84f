// Sidecar registration, heartbeats and leases. Every change to the set of live endpoints bumps the
// mesh revision and tells the push side, so that callers of the service learn it. Lapsed leases are
// expired by the sweep unless the self-preservation guard holds them (self-preservation.ts).
import type { RegisterRequest, RegisterResponse } from "@trellis/mesh-model";
import type { InstanceRecord, Repositories } from "../db/repositories";
import { UnknownInstanceError } from "../errors";
import type { Logger } from "../log";
import { countRenewals, shouldPreserve, type SelfPreservationSettings, type SelfPreservationStatus } from "./self-preservation";

export interface RegistryServiceOptions {
  db: Pick<Repositories, "registry" | "revisions">;
  now: () => Date;
  leaseTtlMs: number;
  heartbeatIntervalMs: number;
  /** Called after every revision bump, with the new revision. */
  onMeshChanged: (revision: number) => void;
  log: Logger;
  /** The guard's threshold and minimum fleet; absent: off. The renewal window is half a lease. */
  selfPreservation?: Omit<SelfPreservationSettings, "renewalWindowMs">;
}

/** Whether two registrations offer the same endpoint to callers. */
function sameEndpoint(a: InstanceRecord, b: RegisterRequest): boolean {
  if (a.service !== b.service || a.version !== b.version || a.host !== b.host || a.inboundPort !== b.inboundPort) return false;
  const ka = Object.keys(a.labels).sort();
  const kb = Object.keys(b.labels).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.labels[k] === b.labels[k]);
}

export class RegistryService {
  /** Leases that lapse after this moment are the next sweep's to announce. */
  private sweptUntil: Date;
  /** While self-preservation holds: leases lapsed after this moment still count as live. */
  private preservedAfter: Date | undefined;
  private readonly guard: SelfPreservationSettings;
  private guardStatus: SelfPreservationStatus;

  constructor(private readonly options: RegistryServiceOptions) {
    this.sweptUntil = options.now();
    // Healthy sidecars renew every third of a lease; half a lease leaves room for one late heartbeat,
    // and notices a silent fleet before its leases lapse (a full lease would notice only as they do).
    this.guard = { threshold: 0, minInstances: 1, ...options.selfPreservation, renewalWindowMs: Math.floor(options.leaseTtlMs / 2) };
    this.guardStatus = {
      active: false,
      since: null,
      expectedRenewals: 0,
      actualRenewals: 0,
      threshold: this.guard.threshold,
      minInstances: this.guard.minInstances,
      renewalWindowMs: this.guard.renewalWindowMs,
      evaluatedAt: null,
    };
  }

  /** Leases valid after this moment are live: now, or earlier while self-preservation holds lapsed ones. */
  liveCutoff(now: Date = this.options.now()): Date {
    return this.preservedAfter ?? now;
  }

  private isLive(i: InstanceRecord, now: Date): boolean {
    return i.deregisteredAt === null && i.leaseExpiresAt.getTime() > this.liveCutoff(now).getTime();
  }

  selfPreservation(): SelfPreservationStatus {
    return { ...this.guardStatus };
  }

  private leaseFor(instanceId: string): RegisterResponse {
    return { instanceId, leaseTtlMs: this.options.leaseTtlMs, heartbeatIntervalMs: this.options.heartbeatIntervalMs };
  }

  private async bump(reason: string): Promise<void> {
    const revision = await this.options.db.revisions.bump(reason);
    this.options.log.info("mesh_revision", { revision, reason });
    this.options.onMeshChanged(revision);
  }

  /**
   * Called once at startup: leases may have lapsed (and endpoints changed) while no control plane was
   * watching, so the state sidecars knew under the current revision may be gone. A new revision makes
   * every reconnecting sidecar take a fresh bundle.
   */
  async start(): Promise<void> {
    const now = this.options.now();
    // Instances that were live when the previous control plane went away (judged by the last
    // heartbeat it stored) get one lease from now to renew, instead of vanishing from every bundle
    // before they have had a chance to reconnect: the first sidecar to reconnect must not be sent a
    // mesh without its destinations (found by test/resilience/control-plane-down.test.ts).
    const instances = await this.options.db.registry.listInstances();
    const lastSeen = Math.max(0, ...instances.map((i) => i.lastHeartbeatAt.getTime()));
    const graceUntil = new Date(now.getTime() + this.options.leaseTtlMs);
    for (const i of instances) {
      const wasLive = i.deregisteredAt === null && i.leaseExpiresAt.getTime() > lastSeen;
      if (wasLive && i.leaseExpiresAt.getTime() < graceUntil.getTime()) await this.options.db.registry.renew(i.instanceId, i.lastHeartbeatAt, graceUntil);
    }
    this.sweptUntil = now;
    await this.bump("control plane started");
  }

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    const now = this.options.now();
    const before = await this.options.db.registry.get(request.instanceId);
    await this.options.db.registry.register({ ...request, now, leaseExpiresAt: new Date(now.getTime() + this.options.leaseTtlMs) });
    const changed = !before || !this.isLive(before, now) || !sameEndpoint(before, request);
    this.options.log.info("sidecar_registered", { instanceId: request.instanceId, service: request.service, version: request.version, changed });
    if (changed) await this.bump(`registered ${request.instanceId}`);
    return this.leaseFor(request.instanceId);
  }

  /** Renews a live lease. An unknown, deregistered or lapsed instance must register again. */
  async heartbeat(instanceId: string): Promise<RegisterResponse> {
    const now = this.options.now();
    const current = await this.options.db.registry.get(instanceId);
    if (!current || !this.isLive(current, now)) throw new UnknownInstanceError(instanceId);
    const renewed = await this.options.db.registry.renew(instanceId, now, new Date(now.getTime() + this.options.leaseTtlMs));
    if (!renewed) throw new UnknownInstanceError(instanceId);
    return this.leaseFor(instanceId);
  }

  async deregister(instanceId: string): Promise<void> {
    const now = this.options.now();
    const current = await this.options.db.registry.get(instanceId);
    if (!current) throw new UnknownInstanceError(instanceId);
    if (current.deregisteredAt !== null) return;
    await this.options.db.registry.deregister(instanceId, now);
    this.options.log.info("sidecar_deregistered", { instanceId, service: current.service });
    if (this.isLive(current, now)) await this.bump(`deregistered ${instanceId}`);
  }

  /** The instance a config stream is for: known and not deregistered (a lapsed lease may still be renewed by re-registering). */
  async streamTarget(instanceId: string): Promise<InstanceRecord> {
    const current = await this.options.db.registry.get(instanceId);
    if (!current || current.deregisteredAt !== null) throw new UnknownInstanceError(instanceId);
    return current;
  }

  /**
   * Counts renewals for the self-preservation guard, then announces leases that lapsed since the last
   * sweep (none while the guard holds); returns how many.
   */
  async sweepExpired(): Promise<number> {
    const now = this.options.now();
    const instances = await this.options.db.registry.listInstances();
    const count = countRenewals(instances, this.preservedAfter ?? this.sweptUntil, now, this.guard.renewalWindowMs);
    const preserve = shouldPreserve(count, this.guard);
    this.guardStatus = { ...this.guardStatus, ...count, evaluatedAt: now.toISOString() };
    if (preserve) {
      if (!this.preservedAfter) {
        this.preservedAfter = this.sweptUntil;
        this.guardStatus = { ...this.guardStatus, active: true, since: now.toISOString() };
        this.options.log.warn("self_preservation_on", { ...count, threshold: this.guard.threshold, message: "most leases were not renewed: lapsed instances are kept until renewals recover" });
      }
      return 0;
    }
    let since = this.sweptUntil;
    if (this.preservedAfter) {
      // Renewals recovered: whatever lapsed while the guard held is expired now.
      since = this.preservedAfter;
      this.options.log.warn("self_preservation_off", { ...count, threshold: this.guard.threshold, activeSince: this.guardStatus.since });
      this.preservedAfter = undefined;
      this.guardStatus = { ...this.guardStatus, active: false, since: null };
    }
    const lapsed = instances.filter(
      (i) => i.deregisteredAt === null && i.leaseExpiresAt.getTime() > since.getTime() && i.leaseExpiresAt.getTime() <= now.getTime(),
    );
    if (lapsed.length > 0) {
      for (const i of lapsed) this.options.log.info("sidecar_lease_expired", { instanceId: i.instanceId, service: i.service });
      try {
        await this.bump(`lease expired: ${lapsed.map((i) => i.instanceId).join(", ")}`.slice(0, 200));
      } catch (err) {
        // Only after a bump do these lapses count as announced: the next sweep tries again from `since`.
        this.sweptUntil = since;
        throw err;
      }
    }
    this.sweptUntil = now;
    return lapsed.length;
  }
}
