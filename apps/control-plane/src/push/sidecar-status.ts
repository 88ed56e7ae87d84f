// The sidecars read API: every recent sidecar with its lease and config sync state.
import type { SidecarSummary, SidecarsResponse } from "@trellis/mesh-model";
import type { Repositories } from "../db/repositories";
import { isRecent, isUp } from "../registry/instance-liveness";
import { syncStateOf } from "./sync-state";

export interface SidecarStatusOptions {
  db: Pick<Repositories, "registry" | "revisions" | "configStatus">;
  /** Sidecars with a config stream open here, with the revision each must ACK (see ConfigHub.connectedRevisions). */
  connected: () => ReadonlyMap<string, number | undefined>;
  now: () => Date;
  /** Leases valid after this moment count as up (earlier than now while self-preservation holds); now by default. */
  liveCutoff?: () => Date;
  ackTimeoutMs: number;
}

export async function listSidecars(options: SidecarStatusOptions): Promise<SidecarsResponse> {
  const now = options.now();
  const nowMs = now.getTime();
  const liveCutoffMs = options.liveCutoff?.().getTime() ?? nowMs;
  const [instances, statuses, currentRevision] = await Promise.all([
    options.db.registry.listInstances(),
    options.db.configStatus.list(),
    options.db.revisions.current(),
  ]);
  const statusOf = new Map(statuses.map((s) => [s.instanceId, s]));
  const connected = options.connected();
  const sidecars = instances
    .filter((i) => isRecent(i, nowMs))
    .map((i): SidecarSummary => {
      const status = statusOf.get(i.instanceId);
      const up = isUp(i, liveCutoffMs);
      // A sidecar no change has concerned since its last bundle is in sync with that bundle's revision.
      const wanted = connected.get(i.instanceId) ?? currentRevision;
      const syncState = syncStateOf({ up, connected: connected.has(i.instanceId), currentRevision: wanted, status, nowMs, ackTimeoutMs: options.ackTimeoutMs });
      return {
        instanceId: i.instanceId,
        service: i.service,
        version: i.version,
        host: i.host,
        inboundPort: i.inboundPort,
        registeredAt: i.registeredAt.toISOString(),
        lastHeartbeatAt: i.lastHeartbeatAt.toISOString(),
        leaseExpiresAt: i.leaseExpiresAt.toISOString(),
        up,
        ackedRevision: status?.ackedRevision ?? null,
        sentRevision: status?.sentRevision ?? null,
        syncState,
        lastError: status?.lastAnswerAccepted === false ? (status.lastError ?? "rejected without a reason") : null,
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.instanceId.localeCompare(b.instanceId));
  return { sidecars };
}
