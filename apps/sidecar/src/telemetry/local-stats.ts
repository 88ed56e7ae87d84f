// In-process request counters for the admin /stats page (the OTLP export is the real telemetry).
import type { Outcome } from "@trellis/mesh-model";
import type { Direction } from "../http/proxy-types";
import type { RequestRecord, RequestRecorder } from "./request-recorder";

type Counts = { total: number } & Record<Outcome, number>;

const zero = (): Counts => ({ total: 0, ok: 0, retried: 0, timed_out: 0, breaker_open: 0, denied: 0, no_route: 0, error: 0 });

export class LocalStats implements RequestRecorder {
  private readonly counts: Record<Direction, Counts> = { outbound: zero(), inbound: zero() };

  record(r: RequestRecord): void {
    const c = this.counts[r.direction];
    c.total++;
    c[r.outcome]++;
  }

  view(): Record<Direction, Counts> {
    return { outbound: { ...this.counts.outbound }, inbound: { ...this.counts.inbound } };
  }
}
