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
  /**
   * Streams other replicas hold count as connected while they refreshed them within this long (see
   * ConfigHub.refreshPresence); absent: only this replica's streams count.
   */
  remotePresenceMs?: number;
  /** This replica's id: its own presence rows are not "remote". */
  replicaId?: string;
}

export async function listSidecars(options: SidecarStatusOptions): Promise<SidecarsResponse> {
  const now = options.now();
  const nowMs = now.getTime();
  const liveCutoffMs = options.liveCutoff?.().getTime() ?? nowMs;
  const [instances, statuses, currentRevision, remote] = await Promise.all([
    options.db.registry.listInstances(),
    options.db.configStatus.list(),
    options.db.revisions.current(),
    options.remotePresenceMs === undefined ? [] : options.db.configStatus.openStreams(new Date(nowMs - options.remotePresenceMs)),
  ]);
  const remoteIds = new Set(remote.filter((r) => r.replica !== options.replicaId).map((r) => r.instanceId));
  const statusOf = new Map(statuses.map((s) => [s.instanceId, s]));
  const connected = options.connected();
  const sidecars = instances
    .filter((i) => isRecent(i, nowMs))
    .map((i): SidecarSummary => {
      const status = statusOf.get(i.instanceId);
      const up = isUp(i, liveCutoffMs);
      // A sidecar no change has concerned since its last bundle is in sync with that bundle's revision.
      // One streaming from another replica: the latest revision that replica sent it (a bundle still
      // in that replica's mailbox is not visible from here).
      const local = connected.has(i.instanceId);
      const elsewhere = !local && remoteIds.has(i.instanceId);
      const wanted = local ? (connected.get(i.instanceId) ?? currentRevision) : elsewhere ? (status?.sentRevision ?? currentRevision) : currentRevision;
      const syncState = syncStateOf({ up, connected: local || elsewhere, currentRevision: wanted, status, nowMs, ackTimeoutMs: options.ackTimeoutMs });
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
