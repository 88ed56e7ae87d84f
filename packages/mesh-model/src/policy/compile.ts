// compile(spec) -> bundle: pure, so the console previews exactly what a sidecar will receive.
import { parseDuration } from "../duration";
import type { ServiceName, Version } from "../identity";
import { BUNDLE_SCHEMA_VERSION, type Bundle, type CompiledRetry, type CompiledRoute, type CompiledService, type Endpoint } from "./bundle";
import { DEFAULTS, WEIGHT_TOTAL } from "./defaults";
import { compileAuthorization, compileMtlsMode, type MeshSecurity } from "./compile-security";
import type { FaultPolicy, HeaderMatch, PathMatch, PolicySpec, RetryPolicy, RouteSpec, WeightedBackend } from "./spec";

export { DEFAULTS, WEIGHT_TOTAL };
export { compileAuthorization, compileMtlsMode, DEFAULT_MESH_SECURITY, type MeshSecurity } from "./compile-security";

const ms = (d: string | undefined, fallback: number): number => (d === undefined ? fallback : parseDuration(d) ?? fallback);

/** Route-level retry overrides service-level field by field, nested fields (backoff, budget) included. */
function compileRetry(route: RetryPolicy | undefined, service: RetryPolicy | undefined): CompiledRetry {
  const r = route ?? {};
  const s = service ?? {};
  const d = DEFAULTS.retry;
  return {
    attempts: r.attempts ?? s.attempts ?? d.attempts,
    retryOn: [...(r.retryOn ?? s.retryOn ?? d.retryOn)],
    retriableStatusCodes: [...(r.retriableStatusCodes ?? s.retriableStatusCodes ?? d.retriableStatusCodes)],
    perTryTimeoutMs: ms(r.perTryTimeout ?? s.perTryTimeout, d.perTryTimeoutMs),
    backoffBaseMs: ms(r.backoff?.base ?? s.backoff?.base, d.backoffBaseMs),
    backoffMaxMs: ms(r.backoff?.max ?? s.backoff?.max, d.backoffMaxMs),
    budgetPercent: r.budget?.percent ?? s.budget?.percent ?? d.budgetPercent,
    budgetMinConcurrent: r.budget?.minConcurrent ?? s.budget?.minConcurrent ?? d.budgetMinConcurrent,
    retryNonIdempotent: r.retryNonIdempotent ?? s.retryNonIdempotent ?? d.retryNonIdempotent,
  };
}

/** Code-unit order: unlike localeCompare it is the same in every runtime and locale (Node, browsers). */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compilePath(path: PathMatch | undefined): CompiledRoute["path"] {
  if (!path) return { kind: "any", value: "" };
  if ("exact" in path) return { kind: "exact", value: path.exact };
  if ("prefix" in path) return { kind: "prefix", value: path.prefix };
  return { kind: "regex", value: path.regex };
}

function compileHeader(h: HeaderMatch): CompiledRoute["headers"][number] {
  const name = h.name.toLowerCase();
  if ("exact" in h) return { name, kind: "exact", value: h.exact };
  if ("prefix" in h) return { name, kind: "prefix", value: h.prefix };
  if ("regex" in h) return { name, kind: "regex", value: h.regex };
  return { name, kind: h.present ? "present" : "absent", value: "" };
}

/** Normalises weights to basis points summing to WEIGHT_TOTAL (largest remainder, so no drift). */
export function normaliseWeights(backends: ReadonlyArray<WeightedBackend>): { version: Version; weight: number }[] {
  const total = backends.reduce((sum, b) => sum + b.weight, 0);
  if (total <= 0) return backends.map((b) => ({ version: b.version, weight: 0 }));
  const exact = backends.map((b) => (b.weight / total) * WEIGHT_TOTAL);
  const floored = exact.map(Math.floor);
  let left = WEIGHT_TOTAL - floored.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floored[i]! += 1;
    left -= 1;
  }
  return backends.map((b, i) => ({ version: b.version, weight: floored[i]! }));
}

function compileFault(f: FaultPolicy | undefined): CompiledRoute["fault"] {
  if (!f || (!f.delay && !f.abort)) return null;
  return {
    delayPercent: f.delay?.percent ?? 0,
    delayMs: ms(f.delay?.duration, 0),
    abortPercent: f.abort?.percent ?? 0,
    abortStatus: f.abort?.status ?? 503,
  };
}

function compileRoute(route: RouteSpec, index: number, spec: PolicySpec | undefined): CompiledRoute {
  return {
    name: route.name ?? `route-${index}`,
    path: compilePath(route.match?.path),
    methods: [...(route.match?.methods ?? [])],
    headers: (route.match?.headers ?? []).map(compileHeader),
    backends: normaliseWeights(route.backends ?? []),
    retry: compileRetry(route.retry, spec?.retry),
    timeoutMs: ms(route.timeout?.request ?? spec?.timeout?.request, DEFAULTS.timeoutMs),
    fault: compileFault(route.fault),
  };
}

export interface CompileServiceInput {
  service: ServiceName;
  /** The operator's policy for calls to this service; absent means all defaults. */
  spec?: PolicySpec;
  endpoints: ReadonlyArray<Endpoint>;
  /** Mesh-wide security defaults (mTLS mode, authorization default); DEFAULTS.mesh when absent. */
  mesh?: MeshSecurity;
}

/** Compiles one destination service: defaults applied, one catch-all route when the spec has none. */
export function compileService({ service, spec, endpoints, mesh }: CompileServiceInput): CompiledService {
  const routes = spec?.routes?.length ? spec.routes : [{ name: "default" } satisfies RouteSpec];
  const cb = spec?.circuitBreaker;
  const od = cb?.outlierDetection;
  const dcb = DEFAULTS.circuitBreaker;
  const hc = spec?.healthCheck;
  const dhc = DEFAULTS.healthCheck;
  return {
    name: service,
    loadBalancer: {
      type: spec?.loadBalancer?.type ?? DEFAULTS.loadBalancer.type,
      choiceCount: spec?.loadBalancer?.choiceCount ?? DEFAULTS.loadBalancer.choiceCount,
    },
    routes: routes.map((r, i) => compileRoute(r, i, spec)),
    circuitBreaker: {
      maxConnections: cb?.maxConnections ?? dcb.maxConnections,
      maxPendingRequests: cb?.maxPendingRequests ?? dcb.maxPendingRequests,
      maxRequests: cb?.maxRequests ?? dcb.maxRequests,
      consecutive5xx: od?.consecutive5xx ?? dcb.consecutive5xx,
      consecutiveGatewayErrors: od?.consecutiveGatewayErrors ?? dcb.consecutiveGatewayErrors,
      baseEjectionTimeMs: ms(od?.baseEjectionTime, dcb.baseEjectionTimeMs),
      maxEjectionTimeMs: ms(od?.maxEjectionTime, dcb.maxEjectionTimeMs),
      maxEjectionPercent: od?.maxEjectionPercent ?? dcb.maxEjectionPercent,
      panicThresholdPercent: od?.panicThresholdPercent ?? dcb.panicThresholdPercent,
    },
    healthCheck: {
      path: hc?.path ?? dhc.path,
      intervalMs: ms(hc?.interval, dhc.intervalMs),
      timeoutMs: ms(hc?.timeout, dhc.timeoutMs),
      healthyThreshold: hc?.healthyThreshold ?? dhc.healthyThreshold,
      unhealthyThreshold: hc?.unhealthyThreshold ?? dhc.unhealthyThreshold,
    },
    mtlsMode: compileMtlsMode(spec, mesh),
    // Sorted so that the same mesh state always compiles to the same bytes; copied field by field so
    // that a wider object (a database row) cannot leak keys that the sidecar's strict parse rejects.
    endpoints: [...endpoints]
      .sort((a, b) => byCodeUnits(a.instanceId, b.instanceId))
      .map((e) => ({ instanceId: e.instanceId, version: e.version, host: e.host, port: e.port, weight: e.weight, labels: { ...e.labels } })),
  };
}

export interface CompileBundleInput {
  revision: number;
  generatedAt: string;
  sidecar: { service: ServiceName; version: Version };
  destinations: ReadonlyArray<CompileServiceInput>;
  /** The policy of the sidecar's own service, whose healthCheck applies to the local app. */
  localSpec?: PolicySpec;
  /** Mesh-wide security defaults; DEFAULTS.mesh when absent. */
  mesh?: MeshSecurity;
}

export function compileBundle(input: CompileBundleInput): Bundle {
  const services: Record<string, CompiledService> = {};
  const sorted = [...input.destinations].sort((a, b) => byCodeUnits(a.service, b.service));
  for (const d of sorted) services[d.service] = compileService({ ...d, mesh: input.mesh });
  const local = compileService({ service: input.sidecar.service, spec: input.localSpec, endpoints: [] });
  return {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    revision: input.revision,
    generatedAt: input.generatedAt,
    sidecar: { service: input.sidecar.service, version: input.sidecar.version },
    services,
    localHealthCheck: local.healthCheck,
    inbound: { mtlsMode: compileMtlsMode(input.localSpec, input.mesh), authorization: compileAuthorization(input.localSpec, input.mesh) },
  };
}
