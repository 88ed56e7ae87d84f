// Validation and compilation of the security part of a spec: mTLS mode and authorization rules.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileBundle } from "./compile";
import { type PolicyContext, parsePolicy, validatePolicy } from "./validate";
import { ZPolicySpec } from "./spec";

const context: PolicyContext = { services: [{ name: "ledger", versions: ["v1"] }, { name: "billing", versions: ["v1"] }] };
const check = (input: unknown): string[] => validatePolicy(ZPolicySpec.parse(input), context).map((i) => `${i.path} ${i.code}`);

describe("validatePolicy: authorization", () => {
  it("accepts normalised rule paths and known callers", () => {
    assert.deepEqual(check({ service: "ledger", mtls: { mode: "strict" }, authorization: { mode: "audit", default: "deny", rules: [{ action: "allow", from: ["billing"], path: { prefix: "/accounts" }, methods: ["GET"] }] } }), []);
  });

  it("reports a rule path that no normalised request path can equal, at its field", () => {
    const spec = {
      service: "ledger",
      authorization: { rules: [{ action: "deny", path: { prefix: "/admin/../x" } }, { action: "deny", path: { exact: "//admin" } }, { action: "deny", path: { prefix: "/a%2Fb" } }, { action: "deny", path: { exact: "/x?y" } }] },
    };
    assert.deepEqual(check(spec), [
      "authorization.rules.0.path.prefix path_not_normalised",
      "authorization.rules.1.path.exact path_not_normalised",
      "authorization.rules.2.path.prefix path_not_normalised",
      "authorization.rules.3.path.exact path_not_normalised",
    ]);
  });

  it("reports an unknown caller at its place in from", () => {
    assert.deepEqual(check({ service: "ledger", authorization: { rules: [{ action: "allow", from: ["billing", "biling"] }] } }), ["authorization.rules.0.from.1 unknown_caller"]);
  });

  it("refuses regexes on paths, unknown modes and empty caller lists in the schema, with paths", () => {
    const r = parsePolicy({ service: "ledger", mtls: { mode: "off" }, authorization: { mode: "log", rules: [{ action: "allow", from: [], path: { regex: ".*" } }] } });
    assert.equal(r.ok, false);
    const paths = r.ok ? [] : r.issues.map((i) => i.path);
    for (const p of ["mtls.mode", "authorization.mode", "authorization.rules.0.from"]) assert.ok(paths.includes(p), `${p} in ${paths.join(", ")}`);
  });
});

describe("compileBundle: security", () => {
  const input = (mesh?: { mtlsMode: "strict" | "permissive"; authorizationDefault: "allow" | "deny" }) => ({
    revision: 1,
    generatedAt: new Date(0).toISOString(),
    sidecar: { service: "ledger", version: "v1" },
    destinations: [{ service: "billing", spec: { service: "billing", mtls: { mode: "permissive" as const } }, endpoints: [] }, { service: "audit", endpoints: [] }],
    localSpec: { service: "ledger", authorization: { rules: [{ action: "allow" as const, from: ["billing", "billing"] }] } },
    ...(mesh ? { mesh } : {}),
  });

  it("applies the mesh-wide defaults, overridden per service", () => {
    const b = compileBundle(input({ mtlsMode: "strict", authorizationDefault: "deny" }));
    assert.equal(b.services.billing!.mtlsMode, "permissive");
    assert.equal(b.services.audit!.mtlsMode, "strict");
    assert.equal(b.inbound.mtlsMode, "strict");
    assert.deepEqual(b.inbound.authorization, {
      mode: "enforce",
      defaultAction: "deny",
      rules: [{ action: "allow", from: ["billing"], path: { kind: "any", value: "" }, methods: [], headers: [] }],
    });
  });

  it("defaults to permissive mTLS and allow without mesh settings", () => {
    const b = compileBundle(input());
    assert.equal(b.inbound.mtlsMode, "permissive");
    assert.equal(b.inbound.authorization.defaultAction, "allow");
  });
});
