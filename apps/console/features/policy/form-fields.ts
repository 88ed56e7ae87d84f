// The scalar fields of the policy editor, keyed by their dotted path in the spec, so that a
// validation issue's path names the field it belongs to. Placeholders show the default in force.
import { DEFAULTS, LOAD_BALANCERS, RETRY_ON, formatDuration } from "@trellis/mesh-model";

export type FieldKind = "int" | "number" | "duration" | "text" | "bool" | "enum" | "int-list" | "enum-list";

export interface FieldDef {
  path: string;
  label: string;
  kind: FieldKind;
  /** The default compile() applies when the field is empty. */
  placeholder: string;
  options?: readonly string[];
}

export type SectionId = "loadBalancer" | "retry" | "timeout" | "circuitBreaker" | "healthCheck";

const d = formatDuration;
const R = DEFAULTS.retry;
const CB = DEFAULTS.circuitBreaker;
const HC = DEFAULTS.healthCheck;

export const SECTIONS: ReadonlyArray<{ id: SectionId; title: string; fields: FieldDef[] }> = [
  {
    id: "loadBalancer",
    title: "Load balancer",
    fields: [
      { path: "loadBalancer.type", label: "Algorithm", kind: "enum", options: LOAD_BALANCERS, placeholder: DEFAULTS.loadBalancer.type },
      { path: "loadBalancer.choiceCount", label: "Choices per pick", kind: "int", placeholder: String(DEFAULTS.loadBalancer.choiceCount) },
    ],
  },
  {
    id: "retry",
    title: "Retries",
    fields: [
      { path: "retry.attempts", label: "Attempts (incl. first)", kind: "int", placeholder: String(R.attempts) },
      { path: "retry.retryOn", label: "Retry on", kind: "enum-list", options: RETRY_ON, placeholder: R.retryOn.join(", ") },
      { path: "retry.retriableStatusCodes", label: "Retriable status codes", kind: "int-list", placeholder: "e.g. 503, 429" },
      { path: "retry.perTryTimeout", label: "Per-try timeout", kind: "duration", placeholder: "none" },
      { path: "retry.backoff.base", label: "Backoff base", kind: "duration", placeholder: d(R.backoffBaseMs) },
      { path: "retry.backoff.max", label: "Backoff max", kind: "duration", placeholder: d(R.backoffMaxMs) },
      { path: "retry.budget.percent", label: "Budget %", kind: "number", placeholder: String(R.budgetPercent) },
      { path: "retry.budget.minConcurrent", label: "Budget floor", kind: "int", placeholder: String(R.budgetMinConcurrent) },
      { path: "retry.retryNonIdempotent", label: "Retry non-idempotent", kind: "bool", placeholder: String(R.retryNonIdempotent) },
    ],
  },
  {
    id: "timeout",
    title: "Timeout",
    fields: [{ path: "timeout.request", label: "Request timeout", kind: "duration", placeholder: d(DEFAULTS.timeoutMs) }],
  },
  {
    id: "circuitBreaker",
    title: "Circuit breaker and outlier detection",
    fields: [
      { path: "circuitBreaker.maxConnections", label: "Max connections", kind: "int", placeholder: String(CB.maxConnections) },
      { path: "circuitBreaker.maxPendingRequests", label: "Max pending", kind: "int", placeholder: String(CB.maxPendingRequests) },
      { path: "circuitBreaker.maxRequests", label: "Max requests", kind: "int", placeholder: String(CB.maxRequests) },
      { path: "circuitBreaker.outlierDetection.consecutive5xx", label: "Consecutive 5xx", kind: "int", placeholder: String(CB.consecutive5xx) },
      { path: "circuitBreaker.outlierDetection.consecutiveGatewayErrors", label: "Consecutive gateway errors", kind: "int", placeholder: String(CB.consecutiveGatewayErrors) },
      { path: "circuitBreaker.outlierDetection.baseEjectionTime", label: "Base ejection", kind: "duration", placeholder: d(CB.baseEjectionTimeMs) },
      { path: "circuitBreaker.outlierDetection.maxEjectionTime", label: "Max ejection", kind: "duration", placeholder: d(CB.maxEjectionTimeMs) },
      { path: "circuitBreaker.outlierDetection.maxEjectionPercent", label: "Max ejected %", kind: "number", placeholder: String(CB.maxEjectionPercent) },
      { path: "circuitBreaker.outlierDetection.panicThresholdPercent", label: "Panic threshold %", kind: "number", placeholder: String(CB.panicThresholdPercent) },
    ],
  },
  {
    id: "healthCheck",
    title: "Health check",
    fields: [
      { path: "healthCheck.path", label: "Path", kind: "text", placeholder: HC.path },
      { path: "healthCheck.interval", label: "Interval", kind: "duration", placeholder: d(HC.intervalMs) },
      { path: "healthCheck.timeout", label: "Timeout", kind: "duration", placeholder: d(HC.timeoutMs) },
      { path: "healthCheck.healthyThreshold", label: "Healthy after", kind: "int", placeholder: String(HC.healthyThreshold) },
      { path: "healthCheck.unhealthyThreshold", label: "Unhealthy after", kind: "int", placeholder: String(HC.unhealthyThreshold) },
    ],
  },
];

export const FIELDS: readonly FieldDef[] = SECTIONS.flatMap((s) => s.fields);
