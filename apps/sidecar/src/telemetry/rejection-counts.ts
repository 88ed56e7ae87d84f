// Requests the listeners refused as malformed or ambiguous HTTP, per direction and reason: kept as
// running totals for /stats and read by the OTLP export as the trellis.sidecar.rejected_requests counter.
import type { Direction } from "../http/proxy-types";
import type { OnReject, RejectReason } from "../listeners/malformed-http";

export interface RejectionCount {
  direction: Direction;
  reason: RejectReason;
  count: number;
}

export class RejectionCounts {
  private readonly counts: Record<Direction, Map<RejectReason, number>> = { outbound: new Map(), inbound: new Map() };

  /** The listener's callback for one direction. */
  recorder(direction: Direction): OnReject {
    const counts = this.counts[direction];
    return (reason) => void counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }

  *entries(): Iterable<RejectionCount> {
    for (const direction of ["outbound", "inbound"] as const) {
      for (const [reason, count] of this.counts[direction]) yield { direction, reason, count };
    }
  }

  /** For /stats: `{ outbound: { reason: n }, inbound: { ... } }`, only reasons seen. */
  view(): Record<Direction, Record<string, number>> {
    return { outbound: Object.fromEntries(this.counts.outbound), inbound: Object.fromEntries(this.counts.inbound) };
  }
}
