// The *bundle*: what a sidecar receives. Compiled, every default applied, durations in ms, weights
// normalised; revision is monotonic and is what the sidecar ACKs or NACKs.
import { z } from "zod";
import { ZHost, ZInstanceId, ZLabels, ZPort, ZServiceName, ZVersion } from "../identity";
import { ZAuthorizationAction, ZHttpMethod, ZLoadBalancerType, ZMtlsMode, ZRetryOn } from "./spec";

export const BUNDLE_SCHEMA_VERSION = 1;

const ZMs = z.int().min(0);

export const ZCompiledPathMatch = z.strictObject({
  kind: z.enum(["any", "exact", "prefix", "regex"]),
  value: z.string(),
});

export const ZCompiledHeaderMatch = z.strictObject({
  /** Lower-cased header name. */
  name: z.string().min(1),
  kind: z.enum(["exact", "prefix", "regex", "present", "absent"]),
  value: z.string(),
});

export const ZCompiledRetry = z.strictObject({
  attempts: z.int().min(1),
  retryOn: z.array(ZRetryOn),
  retriableStatusCodes: z.array(z.int()),
  perTryTimeoutMs: ZMs,
  backoffBaseMs: ZMs,
  backoffMaxMs: ZMs,
  budgetPercent: z.number().min(0).max(100),
  budgetMinConcurrent: z.int().min(0),
  retryNonIdempotent: z.boolean(),
});
export type CompiledRetry = z.infer<typeof ZCompiledRetry>;

export const ZCompiledFault = z.strictObject({
  delayPercent: z.number().min(0).max(100),
  delayMs: ZMs,
  abortPercent: z.number().min(0).max(100),
  abortStatus: z.int().min(200).max(599),
});
export type CompiledFault = z.infer<typeof ZCompiledFault>;

export const ZCompiledRoute = z.strictObject({
  name: z.string(),
  path: ZCompiledPathMatch,
  /** Empty means any method. */
  methods: z.array(ZHttpMethod),
  headers: z.array(ZCompiledHeaderMatch),
  /** Weights sum to 10000 (basis points); empty means any version, by endpoint weight. */
  backends: z.array(z.strictObject({ version: ZVersion, weight: z.int().min(0).max(10000) })),
  retry: ZCompiledRetry,
  /** Overall deadline across tries; 0 means none. */
  timeoutMs: ZMs,
  fault: ZCompiledFault.nullable(),
});
export type CompiledRoute = z.infer<typeof ZCompiledRoute>;

export const ZCompiledCircuitBreaker = z.strictObject({
  maxConnections: z.int().min(1),
  maxPendingRequests: z.int().min(0),
  maxRequests: z.int().min(1),
  consecutive5xx: z.int().min(1),
  consecutiveGatewayErrors: z.int().min(1),
  baseEjectionTimeMs: ZMs,
  maxEjectionTimeMs: ZMs,
  maxEjectionPercent: z.number().min(0).max(100),
  panicThresholdPercent: z.number().min(0).max(100),
});
export type CompiledCircuitBreaker = z.infer<typeof ZCompiledCircuitBreaker>;

export const ZCompiledHealthCheck = z.strictObject({
  path: z.string(),
  intervalMs: ZMs,
  timeoutMs: ZMs,
  healthyThreshold: z.int().min(1),
  unhealthyThreshold: z.int().min(1),
});
export type CompiledHealthCheck = z.infer<typeof ZCompiledHealthCheck>;

export const ZCompiledAuthorizationRule = z.strictObject({
  action: ZAuthorizationAction,
  /** Empty means any caller. */
  from: z.array(ZServiceName),
  path: z.strictObject({ kind: z.enum(["any", "exact", "prefix"]), value: z.string() }),
  /** Empty means any method. */
  methods: z.array(ZHttpMethod),
  headers: z.array(ZCompiledHeaderMatch),
});
export type CompiledAuthorizationRule = z.infer<typeof ZCompiledAuthorizationRule>;

export const ZCompiledAuthorization = z.strictObject({
  mode: z.enum(["enforce", "audit"]),
  defaultAction: ZAuthorizationAction,
  rules: z.array(ZCompiledAuthorizationRule),
});
export type CompiledAuthorization = z.infer<typeof ZCompiledAuthorization>;

export const ZEndpoint = z.strictObject({
  instanceId: ZInstanceId,
  version: ZVersion,
  /** Where the endpoint's sidecar accepts inbound mesh traffic. */
  host: ZHost,
  port: ZPort,
  weight: z.int().min(1).max(10000),
  labels: ZLabels,
});
export type Endpoint = z.infer<typeof ZEndpoint>;

export const ZCompiledService = z.strictObject({
  name: ZServiceName,
  loadBalancer: z.strictObject({ type: ZLoadBalancerType, choiceCount: z.int().min(2) }),
  /** Ordered; first match wins. Always at least one. */
  routes: z.array(ZCompiledRoute).min(1),
  circuitBreaker: ZCompiledCircuitBreaker,
  healthCheck: ZCompiledHealthCheck,
  /** How this destination's sidecars accept traffic; strict means callers must use mutual TLS. */
  mtlsMode: ZMtlsMode,
  endpoints: z.array(ZEndpoint),
});
export type CompiledService = z.infer<typeof ZCompiledService>;

export const ZBundle = z.strictObject({
  schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
  /** Monotonic across the mesh: every policy or endpoint change produces a higher one. */
  revision: z.int().min(0),
  generatedAt: z.iso.datetime(),
  /** The sidecar this bundle was compiled for. */
  sidecar: z.strictObject({ service: ZServiceName, version: ZVersion }),
  /** The destinations this sidecar may call, by name. */
  services: z.record(ZServiceName, ZCompiledService),
  /** The health check the sidecar runs against its own local app. */
  localHealthCheck: ZCompiledHealthCheck,
  /** What the sidecar's inbound listener enforces: its service's mTLS mode and authorization. */
  inbound: z.strictObject({ mtlsMode: ZMtlsMode, authorization: ZCompiledAuthorization }),
});
export type Bundle = z.infer<typeof ZBundle>;
