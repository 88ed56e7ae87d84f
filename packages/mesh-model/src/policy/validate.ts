// Semantic checks of a policy spec beyond its schema: what zod cannot see (the registry, relations
// between fields, route order). Pure; run on write so that a sidecar never receives such a policy.
import { type FieldIssue, flattenZodIssues } from "../api/errors";
import { formatDuration } from "../duration";
import { compileService } from "./compile";
import { normalisePath } from "./normalise-path";
import { HTTP_METHODS, type HeaderMatch, type PolicySpec, type RetryPolicy, type RouteMatch, ZPolicySpec } from "./spec";

/** What the registry knows: every service and the versions seen of it. */
export interface PolicyContext {
  services: ReadonlyArray<{ name: string; versions: ReadonlyArray<string> }>;
}

export const POLICY_ISSUE_CODES = [
  "unknown_service",
  "unknown_version",
  "zero_total_weight",
  "duplicate_version",
  "unreachable_route",
  "retry_amplification",
  "per_try_timeout_too_long",
  "backoff_base_above_max",
  "max_ejection_below_base",
  "path_not_normalised",
  "unknown_caller",
] as const;
export type PolicyIssueCode = (typeof POLICY_ISSUE_CODES)[number];

/** A problem with a spec. Semantic issues use PolicyIssueCode; schema issues keep zod's code. */
export type PolicyIssue = FieldIssue;

/**
 * Past these a retry policy can multiply load on a struggling service. Retries are bounded by the
 * budget (at most `percent` of active requests, but always `minConcurrent`), so a policy that
 * retries at all (attempts > 1) must keep the extra load at most +50% and the floor at 100
 * concurrent retries; above that a brown-out turns into a retry storm.
 */
export const RETRY_LIMITS = { maxBudgetPercent: 50, maxBudgetMinConcurrent: 100 } as const;

export type ParsePolicyResult = { ok: true; spec: PolicySpec } | { ok: false; issues: PolicyIssue[] };

/** zod, then validatePolicy: the one call for "is this policy acceptable". */
export function parsePolicy(input: unknown, context?: PolicyContext): ParsePolicyResult {
  const parsed = ZPolicySpec.safeParse(input);
  if (!parsed.success) return { ok: false, issues: flattenZodIssues(parsed.error.issues) };
  const issues = validatePolicy(parsed.data, context);
  return issues.length === 0 ? { ok: true, spec: parsed.data } : { ok: false, issues };
}

/**
 * Every semantic problem of a schema-valid spec, in document order. Without a context the
 * registry checks (unknown service or version) are skipped; everything else still runs.
 */
export function validatePolicy(spec: PolicySpec, context?: PolicyContext): PolicyIssue[] {
  const issues = new IssueList();
  const known = context?.services.find((s) => s.name === spec.service);
  if (context && !known) issues.add("service", "unknown_service", `no service "${spec.service}" is registered`);
  checkRoutes(spec, issues, known?.versions);
  checkEffectivePolicies(spec, issues);
  checkAuthorization(spec, issues, context);
  return issues.list;
}

/**
 * Requests are authorized on their normalised path, so a rule path that is not normalised could
 * never match; a caller the registry has never seen is most likely a typo that would deny the real one.
 */
function checkAuthorization(spec: PolicySpec, issues: IssueList, context: PolicyContext | undefined): void {
  (spec.authorization?.rules ?? []).forEach((rule, i) => {
    const path = rule.path;
    if (path) {
      const [field, value] = "exact" in path ? ["exact", path.exact] : ["prefix", path.prefix];
      const n = normalisePath(value);
      if (!n.ok || n.path !== value || n.query !== "") {
        const why = n.ok ? `it normalises to "${n.path}${n.query}"` : n.reason;
        issues.add(`authorization.rules.${i}.path.${field}`, "path_not_normalised", `requests are authorized on their normalised path, so "${value}" can never match: ${why}`);
      }
    }
    if (context) {
      (rule.from ?? []).forEach((caller, j) => {
        if (!context.services.some((s) => s.name === caller)) issues.add(`authorization.rules.${i}.from.${j}`, "unknown_caller", `no service "${caller}" is registered`);
      });
    }
  });
}

class IssueList {
  readonly list: PolicyIssue[] = [];
  private readonly seen = new Set<string>();
  /** Inherited problems show up once per route; report each place once. */
  add(path: string, code: PolicyIssueCode, message: string): void {
    const key = `${code} ${path}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ path, code, message });
  }
}

const routeLabel = (spec: PolicySpec, i: number): string => {
  const name = spec.routes?.[i]?.name;
  return name === undefined ? `routes.${i}` : `route "${name}" (routes.${i})`;
};

function checkRoutes(spec: PolicySpec, issues: IssueList, versions: ReadonlyArray<string> | undefined): void {
  const routes = spec.routes ?? [];
  let catchAll: number | undefined;
  const matches = new Map<string, number>();
  routes.forEach((route, i) => {
    const key = matchKey(route.match);
    if (catchAll !== undefined) {
      issues.add(`routes.${i}`, "unreachable_route", `${routeLabel(spec, i)} can never match: ${routeLabel(spec, catchAll)} before it matches every request`);
    } else if (matches.has(key)) {
      issues.add(`routes.${i}.match`, "unreachable_route", `${routeLabel(spec, i)} can never match: ${routeLabel(spec, matches.get(key)!)} before it has the same match`);
    } else {
      matches.set(key, i);
      if (key === CATCH_ALL) catchAll = i;
    }

    const backends = route.backends ?? [];
    const firstAt = new Map<string, number>();
    backends.forEach((b, j) => {
      const path = `routes.${i}.backends.${j}.version`;
      if (versions && !versions.includes(b.version)) {
        const listed = versions.length ? `known: ${versions.join(", ")}` : "none is registered";
        issues.add(path, "unknown_version", `service "${spec.service}" has no version "${b.version}" (${listed})`);
      }
      const first = firstAt.get(b.version);
      if (first === undefined) firstAt.set(b.version, j);
      else issues.add(path, "duplicate_version", `version "${b.version}" is already listed at routes.${i}.backends.${first}`);
    });
    if (backends.length > 0 && backends.every((b) => b.weight === 0)) {
      issues.add(`routes.${i}.backends`, "zero_total_weight", "the weights sum to 0, so no request could be sent anywhere");
    }
  });
}

/**
 * A canonical form of a match, so that spellings of the same match compare equal: no path is
 * prefix "/", all methods is no methods, header names are case-insensitive and unordered.
 * Only this equality and the plain catch-all are detected; overlapping regexes are not.
 */
function matchKey(match: RouteMatch | undefined): string {
  const path = match?.path ?? { prefix: "/" };
  const methods = [...new Set(match?.methods ?? [])].sort();
  const allMethods = HTTP_METHODS.every((m) => methods.includes(m));
  const headers = [...new Set((match?.headers ?? []).map(headerKey))].sort();
  return JSON.stringify({ path, methods: allMethods ? [] : methods, headers });
}
const CATCH_ALL = matchKey(undefined);

function headerKey(h: HeaderMatch): string {
  const name = h.name.toLowerCase();
  if ("exact" in h) return JSON.stringify([name, "exact", h.exact]);
  if ("prefix" in h) return JSON.stringify([name, "prefix", h.prefix]);
  if ("regex" in h) return JSON.stringify([name, "regex", h.regex]);
  return JSON.stringify([name, h.present ? "present" : "absent"]);
}

/**
 * Checks the values each route will really run with (route over service over defaults, as
 * compile resolves them), and points at the field the operator wrote.
 */
function checkEffectivePolicies(spec: PolicySpec, issues: IssueList): void {
  const compiled = compileService({ service: spec.service, spec, endpoints: [] });
  compiled.routes.forEach((route, i) => {
    const own = spec.routes?.[i];
    const retryAt = (field: string, pick: (r: RetryPolicy) => unknown): string | undefined =>
      own?.retry && pick(own.retry) !== undefined ? `routes.${i}.retry.${field}` : spec.retry && pick(spec.retry) !== undefined ? `retry.${field}` : undefined;
    const timeoutAt = own?.timeout?.request !== undefined ? `routes.${i}.timeout.request` : spec.timeout?.request !== undefined ? "timeout.request" : undefined;
    const r = route.retry;

    if (r.attempts > 1 && r.budgetPercent > RETRY_LIMITS.maxBudgetPercent) {
      const at = retryAt("budget.percent", (p) => p.budget?.percent) ?? retryAt("attempts", (p) => p.attempts);
      if (at) issues.add(at, "retry_amplification", `with ${r.attempts} attempts, a retry budget of ${r.budgetPercent}% lets retries add up to ${r.budgetPercent}% more load; keep it at most ${RETRY_LIMITS.maxBudgetPercent}%`);
    }
    if (r.attempts > 1 && r.budgetMinConcurrent > RETRY_LIMITS.maxBudgetMinConcurrent) {
      const at = retryAt("budget.minConcurrent", (p) => p.budget?.minConcurrent) ?? retryAt("attempts", (p) => p.attempts);
      if (at) issues.add(at, "retry_amplification", `a retry budget floor of ${r.budgetMinConcurrent} allows that many concurrent retries whatever the traffic; keep it at most ${RETRY_LIMITS.maxBudgetMinConcurrent}`);
    }
    if (r.perTryTimeoutMs > 0 && route.timeoutMs > 0 && r.perTryTimeoutMs >= route.timeoutMs) {
      const at = retryAt("perTryTimeout", (p) => p.perTryTimeout) ?? timeoutAt;
      if (at) issues.add(at, "per_try_timeout_too_long", `perTryTimeout (${formatDuration(r.perTryTimeoutMs)}) must be below the request timeout (${formatDuration(route.timeoutMs)}), or no retry can run before the deadline`);
    }
    if (r.backoffBaseMs > r.backoffMaxMs) {
      const at = retryAt("backoff.base", (p) => p.backoff?.base) ?? retryAt("backoff.max", (p) => p.backoff?.max);
      if (at) issues.add(at, "backoff_base_above_max", `backoff base (${formatDuration(r.backoffBaseMs)}) is above backoff max (${formatDuration(r.backoffMaxMs)})`);
    }
  });

  const cb = compiled.circuitBreaker;
  const od = spec.circuitBreaker?.outlierDetection;
  if (cb.maxEjectionTimeMs < cb.baseEjectionTimeMs) {
    const at = `circuitBreaker.outlierDetection.${od?.maxEjectionTime !== undefined ? "maxEjectionTime" : "baseEjectionTime"}`;
    issues.add(at, "max_ejection_below_base", `maxEjectionTime (${formatDuration(cb.maxEjectionTimeMs)}) is below baseEjectionTime (${formatDuration(cb.baseEjectionTimeMs)})`);
  }
}
