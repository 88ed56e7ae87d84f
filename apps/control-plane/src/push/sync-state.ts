// A sidecar's config sync state, from what we sent it, what it answered, its config stream and its lease.
import type { SyncState } from "@trellis/mesh-model";
import type { ConfigStatusRecord } from "../db/repositories";

export interface SyncInputs {
  /** Lease valid and not deregistered. */
  up: boolean;
  /** Its config stream is open (to this control plane). */
  connected: boolean;
  /** The revision this sidecar should run: that of the latest bundle compiled for it. */
  currentRevision: number;
  status: ConfigStatusRecord | undefined;
  nowMs: number;
  /** How long a sent revision may wait for its ACK before the sidecar counts as stale. */
  ackTimeoutMs: number;
}

/**
 * - disconnected: no open config stream, or the lease lapsed: changes cannot reach it;
 * - synced: it acknowledged the current revision;
 * - rejected: it NACKed the latest revision it was sent (and keeps its last good one);
 * - pending: the current revision is on its way or awaits an answer;
 * - stale: it has been sent the current revision but has not answered within the ACK timeout.
 */
export function syncStateOf(i: SyncInputs): SyncState {
  if (!i.up || !i.connected) return "disconnected";
  const s = i.status;
  if (s?.ackedRevision != null && s.ackedRevision >= i.currentRevision) return "synced";
  const sent = s?.sentRevision ?? null;
  if (s?.lastAnswerAccepted === false && s.lastAnswerRevision != null && s.lastAnswerRevision >= (sent ?? -1)) return "rejected";
  if (sent === null || sent < i.currentRevision) return "pending";
  const sentAtMs = s?.sentAt?.getTime();
  if (sentAtMs !== undefined && i.nowMs - sentAtMs <= i.ackTimeoutMs) return "pending";
  return "stale";
}
