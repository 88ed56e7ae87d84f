// The policy *spec*: what an operator writes and the database stores, per destination service.
// Partial and in human units; compile() turns it into the bundle a sidecar applies.
import { z } from "zod";
import { ZDuration } from "../duration";
import { ZServiceName, ZVersion } from "../identity";

export const LOAD_BALANCERS = ["round-robin", "least-request", "peak-ewma"] as const;
export const ZLoadBalancerType = z.enum(LOAD_BALANCERS);
export type LoadBalancerType = z.infer<typeof ZLoadBalancerType>;

export const ZLoadBalancerSpec = z.strictObject({
  type: ZLoadBalancerType,
  /** Candidates sampled per pick for least-request and peak-EWMA ("power of N choices"). */
  choiceCount: z.int().min(2).max(8).optional(),
});

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"] as const;
export const ZHttpMethod = z.enum(HTTP_METHODS);
export type HttpMethod = z.infer<typeof ZHttpMethod>;

/** Regexes are bounded in length; the sidecar runs them only on paths and header values, which are bounded too. */
const ZRegex = z
  .string()
  .min(1)
  .max(256)
  .refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: "must be a valid regular expression" },
  );

export const ZPathMatch = z.union([
  z.strictObject({ exact: z.string().startsWith("/") }),
  z.strictObject({ prefix: z.string().startsWith("/") }),
  z.strictObject({ regex: ZRegex }),
]);
export type PathMatch = z.infer<typeof ZPathMatch>;

export const ZHeaderMatch = z.union([
  z.strictObject({ name: z.string().min(1).max(128), exact: z.string().max(1024) }),
  z.strictObject({ name: z.string().min(1).max(128), prefix: z.string().max(1024) }),
  z.strictObject({ name: z.string().min(1).max(128), regex: ZRegex }),
  z.strictObject({ name: z.string().min(1).max(128), present: z.boolean() }),
]);
export type HeaderMatch = z.infer<typeof ZHeaderMatch>;

export const ZRouteMatch = z.strictObject({
  path: ZPathMatch.optional(),
  methods: z.array(ZHttpMethod).min(1).optional(),
  headers: z.array(ZHeaderMatch).max(16).optional(),
});
export type RouteMatch = z.infer<typeof ZRouteMatch>;

export const ZWeightedBackend = z.strictObject({
  version: ZVersion,
  weight: z.number().min(0).max(100_000),
});
export type WeightedBackend = z.infer<typeof ZWeightedBackend>;

export const RETRY_ON = ["connect-failure", "reset", "5xx", "gateway-error", "retriable-status-codes"] as const;
export const ZRetryOn = z.enum(RETRY_ON);
export type RetryOn = z.infer<typeof ZRetryOn>;

export const ZRetryPolicy = z.strictObject({
  /** Total tries including the first one. */
  attempts: z.int().min(1).max(10).optional(),
  retryOn: z.array(ZRetryOn).optional(),
  retriableStatusCodes: z.array(z.int().min(100).max(599)).max(32).optional(),
  perTryTimeout: ZDuration.optional(),
  backoff: z.strictObject({ base: ZDuration.optional(), max: ZDuration.optional() }).optional(),
  /** Envoy-style retry budget: retries may be at most `percent` of active requests, but always `minConcurrent`. */
  budget: z.strictObject({ percent: z.number().min(0).max(100).optional(), minConcurrent: z.int().min(0).max(1000).optional() }).optional(),
  /** Retry POST/PATCH and other non-idempotent methods too. Off by default. */
  retryNonIdempotent: z.boolean().optional(),
});
export type RetryPolicy = z.infer<typeof ZRetryPolicy>;

export const ZTimeoutPolicy = z.strictObject({
  /** Overall deadline of a request, across all its tries. */
  request: ZDuration.optional(),
});
export type TimeoutPolicy = z.infer<typeof ZTimeoutPolicy>;

export const ZFaultPolicy = z.strictObject({
  delay: z.strictObject({ percent: z.number().min(0).max(100), duration: ZDuration }).optional(),
  abort: z.strictObject({ percent: z.number().min(0).max(100), status: z.int().min(200).max(599) }).optional(),
});
export type FaultPolicy = z.infer<typeof ZFaultPolicy>;

export const ZOutlierDetection = z.strictObject({
  consecutive5xx: z.int().min(1).max(1000).optional(),
  consecutiveGatewayErrors: z.int().min(1).max(1000).optional(),
  baseEjectionTime: ZDuration.optional(),
  maxEjectionTime: ZDuration.optional(),
  maxEjectionPercent: z.number().min(0).max(100).optional(),
  /** Below this share of healthy endpoints the balancer ignores health and uses all of them. */
  panicThresholdPercent: z.number().min(0).max(100).optional(),
});
export type OutlierDetection = z.infer<typeof ZOutlierDetection>;

export const ZCircuitBreakerPolicy = z.strictObject({
  maxConnections: z.int().min(1).max(1_000_000).optional(),
  maxPendingRequests: z.int().min(0).max(1_000_000).optional(),
  maxRequests: z.int().min(1).max(1_000_000).optional(),
  outlierDetection: ZOutlierDetection.optional(),
});
export type CircuitBreakerPolicy = z.infer<typeof ZCircuitBreakerPolicy>;

export const ZHealthCheckPolicy = z.strictObject({
  path: z.string().startsWith("/").max(1024).optional(),
  interval: ZDuration.optional(),
  timeout: ZDuration.optional(),
  healthyThreshold: z.int().min(1).max(100).optional(),
  unhealthyThreshold: z.int().min(1).max(100).optional(),
});
export type HealthCheckPolicy = z.infer<typeof ZHealthCheckPolicy>;

export const ZRouteSpec = z.strictObject({
  name: z.string().min(1).max(63).optional(),
  match: ZRouteMatch.optional(),
  /** Weighted traffic shifting across versions; absent means "any version, by endpoint weight". */
  backends: z.array(ZWeightedBackend).min(1).max(32).optional(),
  retry: ZRetryPolicy.optional(),
  timeout: ZTimeoutPolicy.optional(),
  fault: ZFaultPolicy.optional(),
});
export type RouteSpec = z.infer<typeof ZRouteSpec>;

export const MTLS_MODES = ["strict", "permissive"] as const;
/** strict: the service's sidecar accepts only mutual TLS; permissive: mutual TLS and plaintext (for migrating). */
export const ZMtlsMode = z.enum(MTLS_MODES);
export type MtlsMode = z.infer<typeof ZMtlsMode>;

export const ZMtlsPolicy = z.strictObject({ mode: ZMtlsMode });
export type MtlsPolicy = z.infer<typeof ZMtlsPolicy>;

export const AUTHORIZATION_ACTIONS = ["allow", "deny"] as const;
export const ZAuthorizationAction = z.enum(AUTHORIZATION_ACTIONS);
export type AuthorizationAction = z.infer<typeof ZAuthorizationAction>;

/** No regex here: an authorization path is an exact path or a prefix on segment boundaries, checked on the normalised path. */
export const ZAuthorizationPathMatch = z.union([
  z.strictObject({ exact: z.string().startsWith("/").max(1024) }),
  z.strictObject({ prefix: z.string().startsWith("/").max(1024) }),
]);
export type AuthorizationPathMatch = z.infer<typeof ZAuthorizationPathMatch>;

export const ZAuthorizationRule = z.strictObject({
  action: ZAuthorizationAction,
  /** Callers, by the service in their verified certificate, compared exactly. Absent: any caller, a plaintext one included. */
  from: z.array(ZServiceName).min(1).max(64).optional(),
  path: ZAuthorizationPathMatch.optional(),
  methods: z.array(ZHttpMethod).min(1).optional(),
  headers: z.array(ZHeaderMatch).max(16).optional(),
});
export type AuthorizationRule = z.infer<typeof ZAuthorizationRule>;

/**
 * Who may call this service. A matching deny rule denies; else a matching allow rule allows; else, when
 * there are allow rules, the request is denied; else `default` (mesh-wide default when absent) decides.
 * `audit` allows everything but records what `enforce` would have denied.
 */
export const ZAuthorizationPolicy = z.strictObject({
  mode: z.enum(["enforce", "audit"]).optional(),
  default: ZAuthorizationAction.optional(),
  rules: z.array(ZAuthorizationRule).max(64).optional(),
});
export type AuthorizationPolicy = z.infer<typeof ZAuthorizationPolicy>;

/** Everything an operator can say about calls *to* one service. */
export const ZPolicySpec = z.strictObject({
  service: ZServiceName,
  loadBalancer: ZLoadBalancerSpec.optional(),
  /** Ordered: the first matching route wins. No routes means one catch-all route. */
  routes: z.array(ZRouteSpec).max(64).optional(),
  retry: ZRetryPolicy.optional(),
  timeout: ZTimeoutPolicy.optional(),
  circuitBreaker: ZCircuitBreakerPolicy.optional(),
  healthCheck: ZHealthCheckPolicy.optional(),
  /** Overrides the mesh-wide mTLS mode for this service's inbound traffic. */
  mtls: ZMtlsPolicy.optional(),
  authorization: ZAuthorizationPolicy.optional(),
});
export type PolicySpec = z.infer<typeof ZPolicySpec>;

export { ZServiceName };
