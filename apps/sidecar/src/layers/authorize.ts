// Service-to-service authorization, on the inbound side where the caller's certificate was verified.
// The path is normalised once (mesh-model's normalisePath) and that same path is what the app receives;
// a path that cannot be normalised safely is refused (400). Then the service's rules decide: a matching
// deny rule denies, else a matching allow rule allows, else any allow rule means deny, else the default.
// Callers are compared exactly by the service in their verified certificate; a plaintext caller has none.
// In audit mode a denial is logged and counted but the request goes on.
import { normalisePath, type CompiledAuthorization } from "@trellis/mesh-model";
import { BadRequestError, DeniedError } from "../errors";
import type { HeaderMap, Layer } from "../http/proxy-types";
import type { Logger } from "../log";
import { compileRouteMatcher, type RouteMatcher } from "../routing/route-match";

/** Outbound: authorization is the callee's to enforce, so this side passes everything. */
export function authorizeLayer(): Layer {
  return (next) => next;
}

export type Decision = { allow: true; reason: string } | { allow: false; reason: string };

interface CompiledRules {
  deny: Array<{ index: number; from: ReadonlySet<string> | null; match: RouteMatcher }>;
  allow: Array<{ index: number; from: ReadonlySet<string> | null; match: RouteMatcher }>;
}

const compiled = new WeakMap<CompiledAuthorization, CompiledRules>();

function rulesOf(policy: CompiledAuthorization): CompiledRules {
  let rules = compiled.get(policy);
  if (!rules) {
    rules = { deny: [], allow: [] };
    policy.rules.forEach((rule, index) => {
      const entry = { index, from: rule.from.length ? new Set(rule.from) : null, match: compileRouteMatcher(rule, `inbound.authorization.rules.${index}`) };
      (rule.action === "deny" ? rules!.deny : rules!.allow).push(entry);
    });
    compiled.set(policy, rules);
  }
  return rules;
}

/** The decision for a caller (undefined: no verified identity) on a normalised path. */
export function decide(policy: CompiledAuthorization, peer: string | undefined, method: string, path: string, headers: HeaderMap): Decision {
  const { deny, allow } = rulesOf(policy);
  const applies = (r: CompiledRules["deny"][number]) => (r.from === null || (peer !== undefined && r.from.has(peer))) && r.match(method, path, headers);
  for (const r of deny) if (applies(r)) return { allow: false, reason: `deny rule ${r.index} matches` };
  for (const r of allow) if (applies(r)) return { allow: true, reason: `allow rule ${r.index} matches` };
  if (allow.length > 0) return { allow: false, reason: "no allow rule matches" };
  return policy.defaultAction === "allow" ? { allow: true, reason: "default allow" } : { allow: false, reason: "default deny" };
}

export interface AuthorizationCounts {
  allowed: number;
  denied: number;
  /** Allowed only because the policy is in audit mode. */
  auditDenied: number;
}

/** Decisions per caller ("unauthenticated" for plaintext), for /stats. */
export class AuthorizationStats {
  private readonly bySource = new Map<string, AuthorizationCounts>();

  count(source: string, outcome: keyof AuthorizationCounts): void {
    let c = this.bySource.get(source);
    if (!c) {
      // Bounded by the services of the mesh (verified identities) plus one.
      c = { allowed: 0, denied: 0, auditDenied: 0 };
      this.bySource.set(source, c);
    }
    c[outcome]++;
  }

  view(): Record<string, AuthorizationCounts> {
    return Object.fromEntries([...this.bySource].map(([k, v]) => [k, { ...v }]));
  }
}

export const UNAUTHENTICATED = "unauthenticated";

export function inboundAuthorizeLayer(log: Logger, stats: AuthorizationStats = new AuthorizationStats()): Layer {
  return (next) => async (req) => {
    const normalised = normalisePath(req.path);
    if (!normalised.ok) throw new BadRequestError(`the path cannot be normalised safely: ${normalised.reason}`);
    const method = req.method.toUpperCase();
    const forwarded = { ...req, method, path: normalised.path + normalised.query };
    const policy = req.ctx.snapshot?.bundle.inbound.authorization;
    // Before the first bundle there is no policy to apply; requests pass as with the default allow.
    if (!policy) return next(forwarded);
    const peer = req.ctx.peer;
    const source = peer ?? UNAUTHENTICATED;
    const decision = decide(policy, peer, method, normalised.path, req.headers);
    if (decision.allow) {
      stats.count(source, "allowed");
      return next(forwarded);
    }
    const fields = { requestId: req.ctx.requestId, source, method, path: normalised.path, reason: decision.reason };
    if (policy.mode === "audit") {
      stats.count(source, "auditDenied");
      log.info("authorization_audit_denied", fields);
      return next(forwarded);
    }
    stats.count(source, "denied");
    log.info("authorization_denied", fields);
    throw new DeniedError(`${source} may not ${method} ${normalised.path}: ${decision.reason}`);
  };
}
