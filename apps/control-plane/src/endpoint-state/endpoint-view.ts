// Joins the registry's instances of a service with the stored breaker views of its endpoints into the
// console's answer: per endpoint, every reporter's view (stale when it stopped reporting), the worst
// fresh state, ejections in the window and a health word. Pure.
import { BREAKER_REASONS, BREAKER_STATES, type BreakerStateName, type EndpointReport, type Health, type ServiceEndpoint } from "@trellis/mesh-model";
import type { EndpointEjectionCount, EndpointStateRecord, InstanceRecord } from "../db";
import { isRecent, isUp } from "../registry/instance-liveness";

export interface EndpointViewInput {
  instances: readonly InstanceRecord[];
  states: readonly EndpointStateRecord[];
  ejections: readonly EndpointEjectionCount[];
  nowMs: number;
  /** A view not reported for longer than this is stale. */
  staleAfterMs: number;
}

const SEVERITY: Record<BreakerStateName, number> = { closed: 0, "half-open": 1, open: 2 };

export function endpointViews(input: EndpointViewInput): ServiceEndpoint[] {
  const { nowMs } = input;
  const ejectionsOf = new Map(input.ejections.map((e) => [`${e.endpoint}\u0000${e.reporter}`, e.count]));
  const reportsOf = new Map<string, EndpointReport[]>();
  for (const s of input.states) {
    const state = BREAKER_STATES.find((x) => x === s.state);
    const reason = BREAKER_REASONS.find((x) => x === s.reason);
    // Rows are written by this control plane only; one it cannot read is skipped rather than guessed at.
    if (!state || !reason) continue;
    const list = reportsOf.get(s.endpoint) ?? [];
    list.push({
      reporter: s.reporter,
      reporterService: s.reporterService,
      state,
      reason,
      since: s.since?.toISOString() ?? null,
      healthy: s.healthy,
      ejections: ejectionsOf.get(`${s.endpoint}\u0000${s.reporter}`) ?? 0,
      lastEjectionAt: s.lastEjectionAt?.toISOString() ?? null,
      reportedAt: s.reportedAt.toISOString(),
      stale: nowMs - s.reportedAt.getTime() > input.staleAfterMs,
    });
    reportsOf.set(s.endpoint, list);
  }

  const out: ServiceEndpoint[] = [];
  const listed = new Set<string>();
  for (const i of input.instances) {
    if (!isRecent(i, nowMs)) continue;
    listed.add(i.instanceId);
    out.push(endpoint(i.instanceId, i, reportsOf.get(i.instanceId) ?? [], nowMs));
  }
  // Views of endpoints the registry no longer lists (deleted): still worth seeing until they expire.
  for (const [id, reports] of reportsOf) if (!listed.has(id)) out.push(endpoint(id, undefined, reports, nowMs));
  return out.sort((a, b) => (a.version ?? "").localeCompare(b.version ?? "") || a.instanceId.localeCompare(b.instanceId));
}

function endpoint(instanceId: string, instance: InstanceRecord | undefined, reports: EndpointReport[], nowMs: number): ServiceEndpoint {
  const up = instance ? isUp(instance, nowMs) : false;
  const fresh = reports.filter((r) => !r.stale);
  let breaker: BreakerStateName = "closed";
  for (const r of fresh) if (SEVERITY[r.state] > SEVERITY[breaker]) breaker = r.state;
  return {
    instanceId,
    version: instance?.version ?? null,
    address: instance ? `${instance.host}:${instance.inboundPort}` : null,
    up,
    health: healthOf(up, fresh),
    breaker,
    ejections: reports.reduce((n, r) => n + r.ejections, 0),
    reports: reports.sort((a, b) => SEVERITY[b.state] - SEVERITY[a.state] || a.reporter.localeCompare(b.reporter)),
  };
}

/**
 * Down is failing; ejected, half-open or failing health checks in any fresh view is degraded. Views that
 * never left "closed and healthy" are not stored, so "every caller ejects it" cannot be told apart
 * from "one does", and nothing here says failing for an instance that is up.
 */
function healthOf(up: boolean, fresh: readonly EndpointReport[]): Health {
  if (!up) return "failing";
  return fresh.some((r) => r.state !== "closed" || r.healthy === false) ? "degraded" : "healthy";
}
