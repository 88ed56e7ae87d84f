// In-process request counters for the admin /stats page (the OTLP export is the real telemetry).
import { OUTCOMES, type Outcome } from "@trellis/mesh-model";
import type { Direction } from "../http/proxy-types";
import type { RequestRecord, RequestRecorder } from "./request-recorder";

type Counts = { total: number } & Record<Outcome, number>;

const zero = (): Counts => ({ total: 0, ...(Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>) });

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
