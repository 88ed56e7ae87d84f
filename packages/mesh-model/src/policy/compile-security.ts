// The security part of compile: a service's mTLS mode and its authorization rules, with the
// mesh-wide defaults the control plane is configured with.
import type { CompiledAuthorization, CompiledAuthorizationRule, CompiledRoute } from "./bundle";
import { DEFAULTS } from "./defaults";
import type { AuthorizationAction, AuthorizationRule, HeaderMatch, MtlsMode, PolicySpec } from "./spec";

/** The mesh-wide defaults a service's spec may override. */
export interface MeshSecurity {
  mtlsMode: MtlsMode;
  authorizationDefault: AuthorizationAction;
}

export const DEFAULT_MESH_SECURITY: MeshSecurity = DEFAULTS.mesh;

export function compileMtlsMode(spec: PolicySpec | undefined, mesh: MeshSecurity = DEFAULT_MESH_SECURITY): MtlsMode {
  return spec?.mtls?.mode ?? mesh.mtlsMode;
}

function compileHeader(h: HeaderMatch): CompiledRoute["headers"][number] {
  const name = h.name.toLowerCase();
  if ("exact" in h) return { name, kind: "exact", value: h.exact };
  if ("prefix" in h) return { name, kind: "prefix", value: h.prefix };
  if ("regex" in h) return { name, kind: "regex", value: h.regex };
  return { name, kind: h.present ? "present" : "absent", value: "" };
}

function compileRule(rule: AuthorizationRule): CompiledAuthorizationRule {
  const path = rule.path;
  return {
    action: rule.action,
    from: [...new Set(rule.from ?? [])],
    path: !path ? { kind: "any", value: "" } : "exact" in path ? { kind: "exact", value: path.exact } : { kind: "prefix", value: path.prefix },
    methods: [...new Set(rule.methods ?? [])],
    headers: (rule.headers ?? []).map(compileHeader),
  };
}

export function compileAuthorization(spec: PolicySpec | undefined, mesh: MeshSecurity = DEFAULT_MESH_SECURITY): CompiledAuthorization {
  const a = spec?.authorization;
  return {
    mode: a?.mode ?? "enforce",
    defaultAction: a?.default ?? mesh.authorizationDefault,
    rules: (a?.rules ?? []).map(compileRule),
  };
}
