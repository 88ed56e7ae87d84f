// The read API the console uses: services, the service graph, sidecars.
import { z } from "zod";
import { parseDuration } from "../duration";
import { ZInstanceId, ZServiceName, ZVersion } from "../identity";
import { OUTCOMES } from "../telemetry";

export const CONSOLE_API = {
  services: "/api/v1/services",
  graph: "/api/v1/graph",
  sidecars: "/api/v1/sidecars",
  health: "/healthz",
} as const;

const SEVEN_DAYS_MS = 7 * 86_400_000;

/** A look-back window such as "5m" or "24h", at most 7 days. */
export const ZWindow = z
  .string()
  .refine((s) => {
    const ms = parseDuration(s);
    return ms !== undefined && ms >= 10_000 && ms <= SEVEN_DAYS_MS;
  }, { message: 'must be a duration between "10s" and "168h", such as "5m"' });

export const ZWindowQuery = z.object({ window: ZWindow.default("5m") });
export type WindowQuery = z.infer<typeof ZWindowQuery>;

export const HEALTH_STATES = ["healthy", "degraded", "failing", "unknown"] as const;
export const ZHealth = z.enum(HEALTH_STATES);
export type Health = z.infer<typeof ZHealth>;

export const ZLatency = z.strictObject({ p50: z.number(), p95: z.number(), p99: z.number() });
export type Latency = z.infer<typeof ZLatency>;

export const ZServiceSummary = z.strictObject({
  name: ZServiceName,
  versions: z.array(ZVersion),
  instances: z.strictObject({ total: z.int(), up: z.int() }),
  /** Requests per second received by this service over the window. */
  requestRate: z.number(),
  /** Share of those requests that failed (5xx, timeouts, breaker, ...), 0..1. */
  errorRate: z.number(),
  /** Latency seen by callers, ms; null when there was no traffic. */
  latencyMs: ZLatency.nullable(),
  health: ZHealth,
});
export type ServiceSummary = z.infer<typeof ZServiceSummary>;

export const ZServicesResponse = z.strictObject({
  window: z.string(),
  generatedAt: z.iso.datetime(),
  services: z.array(ZServiceSummary),
});
export type ServicesResponse = z.infer<typeof ZServicesResponse>;

export const ZOutcomeCounts = z.record(z.enum(OUTCOMES), z.number());

export const ZGraphNode = z.strictObject({
  /** The service name (graph nodes are services; versions are listed on the node). */
  id: z.string(),
  service: ZServiceName,
  versions: z.array(ZVersion),
  requestRate: z.number(),
  errorRate: z.number(),
  health: ZHealth,
});
export type GraphNode = z.infer<typeof ZGraphNode>;

export const ZGraphEdge = z.strictObject({
  /** `${source}->${target}` */
  id: z.string(),
  source: z.string(),
  target: z.string(),
  requestRate: z.number(),
  errorRate: z.number(),
  latencyMs: ZLatency.nullable(),
  outcomes: ZOutcomeCounts,
  /** Share of requests on this edge carried over mutual TLS, 0..1. */
  mtlsShare: z.number(),
  health: ZHealth,
});
export type GraphEdge = z.infer<typeof ZGraphEdge>;

export const ZGraphResponse = z.strictObject({
  window: z.string(),
  generatedAt: z.iso.datetime(),
  nodes: z.array(ZGraphNode),
  edges: z.array(ZGraphEdge),
});
export type GraphResponse = z.infer<typeof ZGraphResponse>;

export const SYNC_STATES = ["synced", "pending", "rejected", "stale", "disconnected"] as const;
export const ZSyncState = z.enum(SYNC_STATES);
export type SyncState = z.infer<typeof ZSyncState>;

export const ZSidecarSummary = z.strictObject({
  instanceId: ZInstanceId,
  service: ZServiceName,
  version: ZVersion,
  host: z.string(),
  inboundPort: z.int(),
  registeredAt: z.iso.datetime(),
  lastHeartbeatAt: z.iso.datetime(),
  leaseExpiresAt: z.iso.datetime(),
  up: z.boolean(),
  /** Latest revision the sidecar acknowledged as applied; null before its first ACK. */
  ackedRevision: z.int().nullable(),
  /** Latest revision sent to it. */
  sentRevision: z.int().nullable(),
  syncState: ZSyncState,
  /** The NACK error of the latest rejected revision, if the latest answer was a NACK. */
  lastError: z.string().nullable(),
});
export type SidecarSummary = z.infer<typeof ZSidecarSummary>;

export const ZSidecarsResponse = z.strictObject({ sidecars: z.array(ZSidecarSummary) });
export type SidecarsResponse = z.infer<typeof ZSidecarsResponse>;
