// Reads the sidecars' per-endpoint breaker metrics out of a normalised export: one report per
// (reporting instance, destination service, destination endpoint) that carries a breaker-state point,
// with its since/reason, health and ejections from the same export. Malformed points of these metrics
// are rejected with a reason; a cumulative ejection counter (not what our sidecars send) is ignored.
import {
  ATTR_BREAKER_REASON,
  ATTR_DESTINATION_SERVICE,
  ATTR_ENDPOINT,
  BREAKER_REASONS,
  BREAKER_STATES,
  METRIC_ENDPOINT_BREAKER_STATE,
  METRIC_ENDPOINT_EJECTIONS,
  METRIC_ENDPOINT_HEALTHY,
  METRIC_ENDPOINT_STATE_SINCE,
  RESOURCE_SERVICE_INSTANCE_ID,
  RESOURCE_SERVICE_NAME,
  ZInstanceId,
  ZServiceName,
  type BreakerReason,
} from "@trellis/mesh-model";
import type { EndpointStateReport } from "../db";
import type { NormalisedMetrics, NumberPoint } from "./normalise-metrics";
import type { Attributes } from "./otlp-values";

const OURS = new Set([METRIC_ENDPOINT_BREAKER_STATE, METRIC_ENDPOINT_HEALTHY, METRIC_ENDPOINT_STATE_SINCE, METRIC_ENDPOINT_EJECTIONS]);

export interface EndpointStateExtraction {
  reports: EndpointStateReport[];
  /** One reason per rejected point. */
  rejected: string[];
}

interface Partial {
  reporter: string;
  reporterService: string;
  service: string;
  endpoint: string;
  state?: number;
  reason: BreakerReason;
  since: Date | null;
  healthy: boolean | null;
  ejections: number;
}

export function extractEndpointStates(metrics: NormalisedMetrics, now: Date): EndpointStateExtraction {
  const reports: EndpointStateReport[] = [];
  const rejected: string[] = [];
  for (const resource of metrics.resources) {
    const ours = resource.scopes.flatMap((s) => s.metrics).filter((m) => OURS.has(m.name));
    if (ours.length === 0) continue;
    const reporter = ZInstanceId.safeParse(resource.attributes[RESOURCE_SERVICE_INSTANCE_ID]);
    const reporterService = ZServiceName.safeParse(resource.attributes[RESOURCE_SERVICE_NAME]);
    if (!reporter.success || !reporterService.success) {
      for (const m of ours) if (m.kind !== "other") for (let i = 0; i < m.points.length; i++) rejected.push(`${m.name} needs resource attributes ${RESOURCE_SERVICE_INSTANCE_ID} and ${RESOURCE_SERVICE_NAME} (an instance id and a service name)`);
      continue;
    }
    const byKey = new Map<string, Partial>();
    const entry = (p: NumberPoint, name: string): Partial | undefined => {
      const target = endpointOf(p.attributes);
      if (!target) {
        rejected.push(`${name} needs attributes ${ATTR_DESTINATION_SERVICE} (a service name) and ${ATTR_ENDPOINT} (an instance id)`);
        return undefined;
      }
      const key = `${target.service}\u0000${target.endpoint}`;
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { reporter: reporter.data, reporterService: reporterService.data, ...target, reason: "none", since: null, healthy: null, ejections: 0 }));
      return e;
    };
    for (const m of ours) {
      if (m.name === METRIC_ENDPOINT_EJECTIONS) {
        if (m.kind !== "sum") rejected.push(`${m.name} must be a sum`);
        else if (m.temporality === "delta") {
          for (const p of m.points) {
            if (!Number.isSafeInteger(p.value) || p.value < 0) rejected.push(`${m.name} must be a non-negative integer`);
            else {
              const e = entry(p, m.name);
              if (e) e.ejections += p.value;
            }
          }
        }
        continue;
      }
      if (m.kind !== "gauge") {
        rejected.push(`${m.name} must be a gauge`);
        continue;
      }
      for (const p of m.points) {
        if (m.name === METRIC_ENDPOINT_BREAKER_STATE) {
          if (!Number.isInteger(p.value) || BREAKER_STATES[p.value] === undefined) rejected.push(`${m.name} must be 0 (closed), 1 (open) or 2 (half-open)`);
          else {
            const e = entry(p, m.name);
            if (e) e.state = p.value;
          }
        } else if (m.name === METRIC_ENDPOINT_HEALTHY) {
          if (p.value !== 0 && p.value !== 1) rejected.push(`${m.name} must be 0 or 1`);
          else {
            const e = entry(p, m.name);
            if (e) e.healthy = p.value === 1;
          }
        } else {
          const reason = p.attributes[ATTR_BREAKER_REASON];
          const known = BREAKER_REASONS.find((r) => r === reason);
          if (!known) rejected.push(`${m.name} needs attribute ${ATTR_BREAKER_REASON}, one of ${BREAKER_REASONS.join(", ")}`);
          else if (!(p.value > 0) || p.value > 8.64e15) rejected.push(`${m.name} must be a time in unix milliseconds`);
          else {
            const e = entry(p, m.name);
            if (e) {
              e.reason = known;
              e.since = new Date(Math.round(p.value));
            }
          }
        }
      }
    }
    for (const e of byKey.values()) {
      if (e.state === undefined) continue;
      reports.push({ ...e, state: BREAKER_STATES[e.state]!, reportedAt: now });
    }
  }
  return { reports, rejected };
}

function endpointOf(attributes: Attributes): { service: string; endpoint: string } | undefined {
  const service = ZServiceName.safeParse(attributes[ATTR_DESTINATION_SERVICE]);
  const endpoint = ZInstanceId.safeParse(attributes[ATTR_ENDPOINT]);
  return service.success && endpoint.success ? { service: service.data, endpoint: endpoint.data } : undefined;
}
