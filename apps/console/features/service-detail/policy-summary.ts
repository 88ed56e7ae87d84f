// What a policy spec says, in a few lines and as feature flags (for the detail page and graph badges). Pure.
import type { PolicySpec, RetryPolicy } from "@trellis/mesh-model";

export interface PolicyFeatures {
  /** Weighted traffic over more than one version. */
  shifting: boolean;
  retries: boolean;
  timeouts: boolean;
  fault: boolean;
  breaker: boolean;
}

const retries = (r: RetryPolicy | undefined) => r !== undefined && (r.attempts ?? 1) > 1;

export function policyFeatures(spec: PolicySpec): PolicyFeatures {
  const routes = spec.routes ?? [];
  return {
    shifting: routes.some((r) => (r.backends ?? []).filter((b) => b.weight > 0).length > 1),
    retries: retries(spec.retry) || routes.some((r) => retries(r.retry)),
    timeouts: spec.timeout?.request !== undefined || spec.retry?.perTryTimeout !== undefined
      || routes.some((r) => r.timeout?.request !== undefined || r.retry?.perTryTimeout !== undefined),
    fault: routes.some((r) => r.fault?.abort !== undefined || r.fault?.delay !== undefined),
    breaker: spec.circuitBreaker !== undefined,
  };
}

export interface PolicyLine {
  key: string;
  label: string;
  value: string;
}

/** The spec in a few readable lines; an empty list means all defaults. */
export function describePolicy(spec: PolicySpec): PolicyLine[] {
  const lines: PolicyLine[] = [];
  (spec.routes ?? []).forEach((route, i) => {
    const name = route.name ?? `route ${i + 1}`;
    const m = route.match;
    const match = [
      m?.path === undefined ? null : "exact" in m.path ? `path = ${m.path.exact}` : "prefix" in m.path ? `path ${m.path.prefix}*` : `path ~ ${m.path.regex}`,
      m?.methods === undefined ? null : m.methods.join("|"),
      m?.headers === undefined ? null : `${m.headers.length} header match${m.headers.length === 1 ? "" : "es"}`,
    ].filter((x) => x !== null);
    const total = (route.backends ?? []).reduce((a, b) => a + b.weight, 0);
    const split = (route.backends ?? []).map((b) => `${b.version} ${total > 0 ? Math.round((b.weight / total) * 100) : 0}%`).join(" · ");
    const parts = [match.length === 0 ? "all requests" : match.join(", "), split === "" ? "any version" : split];
    if (route.retry !== undefined) parts.push(retryText(route.retry));
    if (route.timeout?.request !== undefined) parts.push(`timeout ${route.timeout.request}`);
    if (route.fault?.abort !== undefined) parts.push(`abort ${route.fault.abort.percent}% with ${route.fault.abort.status}`);
    if (route.fault?.delay !== undefined) parts.push(`delay ${route.fault.delay.percent}% by ${route.fault.delay.duration}`);
    lines.push({ key: `route-${i}`, label: name, value: parts.join(" → ") });
  });
  if (spec.retry !== undefined) lines.push({ key: "retry", label: "Retries", value: retryText(spec.retry) });
  if (spec.timeout?.request !== undefined) lines.push({ key: "timeout", label: "Timeout", value: spec.timeout.request });
  const cb = spec.circuitBreaker;
  if (cb !== undefined) {
    const limits = [
      cb.maxConnections === undefined ? null : `${cb.maxConnections} connections`,
      cb.maxPendingRequests === undefined ? null : `${cb.maxPendingRequests} pending`,
      cb.maxRequests === undefined ? null : `${cb.maxRequests} requests`,
    ].filter((x) => x !== null);
    const od = cb.outlierDetection;
    if (od !== undefined) limits.push(`eject after ${od.consecutive5xx ?? od.consecutiveGatewayErrors ?? "default"} consecutive errors for ${od.baseEjectionTime ?? "the default time"}`);
    lines.push({ key: "breaker", label: "Circuit breaker", value: limits.length === 0 ? "defaults" : limits.join(", ") });
  }
  if (spec.loadBalancer !== undefined) lines.push({ key: "lb", label: "Load balancer", value: spec.loadBalancer.type });
  const hc = spec.healthCheck;
  if (hc !== undefined) lines.push({ key: "health", label: "Health check", value: `${hc.path ?? "default path"} every ${hc.interval ?? "default interval"}` });
  return lines;
}

function retryText(r: RetryPolicy): string {
  const on = r.retryOn === undefined ? "" : ` on ${r.retryOn.join(", ")}`;
  const per = r.perTryTimeout === undefined ? "" : `, ${r.perTryTimeout} per try`;
  return `${r.attempts ?? 1} attempt${(r.attempts ?? 1) === 1 ? "" : "s"}${on}${per}`;
}
