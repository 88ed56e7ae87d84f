// Outlier ejection of one endpoint (Envoy's outlier detection): consecutive 5xx or gateway errors
// from real traffic eject it for baseEjectionTime × times ejected (capped at maxEjectionTime);
// afterwards it returns half-open, where one success closes it and one failure ejects it again
// for longer. Active health checks set `healthy`. Kept per instance id across bundles.
import type { BreakerReason } from "@trellis/mesh-model";
import type { BreakerGroup } from "./breaker-group";

export type BreakerState = "closed" | "open" | "half-open";

/** `gateway`: 502/503/504 or a failed connection (counts towards both limits); `5xx`: any other 5xx. */
export type FailureKind = "5xx" | "gateway";

export class EndpointBreaker {
  state: BreakerState = "closed";
  /** Clock time of the last state change. */
  since: number;
  reason: string | null = null;
  /** `reason` as a bounded code, for telemetry. */
  reasonCode: BreakerReason = "none";
  ejections = 0;
  consecutive5xx = 0;
  consecutiveGateway = 0;
  /** Clock time an open breaker turns half-open. */
  returnsAt = Number.POSITIVE_INFINITY;
  /** From active health checks; an endpoint is healthy until a check says otherwise. */
  healthy = true;

  constructor(
    readonly instanceId: string,
    readonly group: BreakerGroup,
    now: number,
  ) {
    this.since = now;
  }

  /** In the balancers' candidate set: not ejected and not failing its health checks. */
  get available(): boolean {
    return this.state !== "open" && this.healthy;
  }

  success(now: number): void {
    this.consecutive5xx = 0;
    this.consecutiveGateway = 0;
    if (this.state === "half-open") this.group.transition(this, "closed", now, "succeeded while half-open", "half_open_success");
  }

  failure(kind: FailureKind, now: number): void {
    this.consecutive5xx++;
    this.consecutiveGateway = kind === "gateway" ? this.consecutiveGateway + 1 : 0;
    if (this.state === "open") return;
    const cb = this.group.config;
    if (this.state === "half-open") this.group.eject(this, now, "failed while half-open", "half_open_failure");
    else if (this.consecutiveGateway >= cb.consecutiveGatewayErrors) this.group.eject(this, now, `${this.consecutiveGateway} consecutive gateway errors`, "consecutive_gateway_errors");
    else if (this.consecutive5xx >= cb.consecutive5xx) this.group.eject(this, now, `${this.consecutive5xx} consecutive 5xx`, "consecutive_5xx");
  }
}
