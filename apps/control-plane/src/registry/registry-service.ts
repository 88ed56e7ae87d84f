// Sidecar registration, heartbeats and leases. Every change to the set of live endpoints bumps the
// mesh revision and tells the push side, so that callers of the service learn it.
import type { RegisterRequest, RegisterResponse } from "@trellis/mesh-model";
import type { InstanceRecord, Repositories } from "../db/repositories";
import { UnknownInstanceError } from "../errors";
import type { Logger } from "../log";
import { isUp } from "./instance-liveness";

export interface RegistryServiceOptions {
  db: Pick<Repositories, "registry" | "revisions">;
  now: () => Date;
  leaseTtlMs: number;
  heartbeatIntervalMs: number;
  /** Called after every revision bump, with the new revision. */
  onMeshChanged: (revision: number) => void;
  log: Logger;
}

const isLive = (i: InstanceRecord, now: Date) => isUp(i, now.getTime());

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

  constructor(private readonly options: RegistryServiceOptions) {
    this.sweptUntil = options.now();
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
    this.sweptUntil = this.options.now();
    await this.bump("control plane started");
  }

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    const now = this.options.now();
    const before = await this.options.db.registry.get(request.instanceId);
    await this.options.db.registry.register({ ...request, now, leaseExpiresAt: new Date(now.getTime() + this.options.leaseTtlMs) });
    const changed = !before || !isLive(before, now) || !sameEndpoint(before, request);
    this.options.log.info("sidecar_registered", { instanceId: request.instanceId, service: request.service, version: request.version, changed });
    if (changed) await this.bump(`registered ${request.instanceId}`);
    return this.leaseFor(request.instanceId);
  }

  /** Renews a live lease. An unknown, deregistered or lapsed instance must register again. */
  async heartbeat(instanceId: string): Promise<RegisterResponse> {
    const now = this.options.now();
    const current = await this.options.db.registry.get(instanceId);
    if (!current || !isLive(current, now)) throw new UnknownInstanceError(instanceId);
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
    if (isLive(current, now)) await this.bump(`deregistered ${instanceId}`);
  }

  /** The instance a config stream is for: known and not deregistered (a lapsed lease may still be renewed by re-registering). */
  async streamTarget(instanceId: string): Promise<InstanceRecord> {
    const current = await this.options.db.registry.get(instanceId);
    if (!current || current.deregisteredAt !== null) throw new UnknownInstanceError(instanceId);
    return current;
  }

  /** Announces leases that lapsed since the last sweep; returns how many. */
  async sweepExpired(): Promise<number> {
    const now = this.options.now();
    const since = this.sweptUntil;
    const lapsed = (await this.options.db.registry.listInstances()).filter(
      (i) => i.deregisteredAt === null && i.leaseExpiresAt.getTime() > since.getTime() && i.leaseExpiresAt.getTime() <= now.getTime(),
    );
    if (lapsed.length > 0) {
      for (const i of lapsed) this.options.log.info("sidecar_lease_expired", { instanceId: i.instanceId, service: i.service });
      await this.bump(`lease expired: ${lapsed.map((i) => i.instanceId).join(", ")}`.slice(0, 200));
    }
    // Only now: a failed bump leaves these lapses for the next sweep to announce.
    this.sweptUntil = now;
    return lapsed.length;
  }
}
