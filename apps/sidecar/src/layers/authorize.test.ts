import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileAuthorization, type AuthorizationPolicy } from "@trellis/mesh-model";
import { authorizeLayer, AuthorizationStats, decide, inboundAuthorizeLayer } from "./authorize";
import { ok, proxyRequest } from "../testing/requests";
import { silentLogger } from "../log";
import type { ProxyRequest } from "../http/proxy-types";
import { makeBundle } from "../testing/bundles";
import { buildSnapshot } from "../snapshot/snapshot";

const policy = (a: AuthorizationPolicy, mesh: "allow" | "deny" = "allow") => compileAuthorization({ service: "web", authorization: a }, { mtlsMode: "strict", authorizationDefault: mesh });

describe("decide", () => {
  const p = policy({ rules: [{ action: "deny", path: { prefix: "/admin" } }, { action: "allow", from: ["billing"], path: { prefix: "/accounts" }, methods: ["GET"] }, { action: "allow", from: ["ops"], headers: [{ name: "x-reason", present: true }] }] });

  it("denies on a matching deny rule whoever calls", () => {
    assert.equal(decide(p, "billing", "GET", "/admin/x", {}).allow, false);
    assert.equal(decide(p, undefined, "GET", "/admin", {}).allow, false);
  });

  it("allows on a matching allow rule, compares callers exactly, and denies the rest when allow rules exist", () => {
    assert.equal(decide(p, "billing", "GET", "/accounts/1", {}).allow, true);
    assert.equal(decide(p, "billing", "POST", "/accounts/1", {}).allow, false);
    assert.equal(decide(p, "billing-v2", "GET", "/accounts/1", {}).allow, false);
    assert.equal(decide(p, "billin", "GET", "/accounts/1", {}).allow, false);
    assert.equal(decide(p, undefined, "GET", "/accounts/1", {}).allow, false);
    assert.equal(decide(p, "ops", "GET", "/x", { "x-reason": "audit" }).allow, true);
    assert.equal(decide(p, "ops", "GET", "/x", {}).reason, "no allow rule matches");
  });

  it("falls back to the default without allow rules", () => {
    assert.equal(decide(policy({}), "a", "GET", "/", {}).allow, true);
    assert.equal(decide(policy({}, "deny"), "a", "GET", "/", {}).reason, "default deny");
    assert.equal(decide(policy({ default: "allow" }, "deny"), "a", "GET", "/", {}).allow, true);
  });
});

describe("inboundAuthorizeLayer", () => {
  const snapshotOf = (a: AuthorizationPolicy) => {
    const bundle = makeBundle(1);
    return buildSnapshot({ ...bundle, inbound: { mtlsMode: "strict", authorization: policy(a) } }, "control-plane");
  };
  const run = async (a: AuthorizationPolicy, req: Partial<ProxyRequest> & { peer?: string }) => {
    const stats = new AuthorizationStats();
    let seen: ProxyRequest | undefined;
    const base = proxyRequest();
    const request = { ...base, ...req, ctx: { ...base.ctx, direction: "inbound" as const, peer: req.peer, snapshot: snapshotOf(a) } };
    const res = await inboundAuthorizeLayer(silentLogger, stats)(async (r) => ((seen = r), ok(200)))(request);
    return { res, seen, stats: stats.view() };
  };

  it("forwards the normalised path and the upper-cased method it decided on", async () => {
    const { seen } = await run({}, { path: "/a/./b/../%63?q=/../x", method: "get" });
    assert.equal(seen?.path, "/a/c?q=/../x");
    assert.equal(seen?.method, "GET");
  });

  it("refuses a path it cannot normalise safely", async () => {
    await assert.rejects(run({}, { path: "/admin%2fx" }), (e: Error & { code?: string }) => e.code === "bad_request");
  });

  it("denies with DeniedError and counts it per caller; audit mode lets it through and counts it", async () => {
    const deny = { rules: [{ action: "deny" as const, path: { prefix: "/admin" } }] };
    await assert.rejects(run(deny, { path: "//x/../admin", peer: "billing" }), (e: Error & { code?: string }) => e.code === "denied");
    const audited = await run({ ...deny, mode: "audit" }, { path: "/admin", peer: "billing" });
    assert.equal(audited.res.status, 200);
    assert.deepEqual(audited.stats, { billing: { allowed: 0, denied: 0, auditDenied: 1 } });
  });

  it("outbound stays a pass-through", async () => {
    const req = proxyRequest();
    const res = ok(204);
    assert.equal(await authorizeLayer()(async () => res)(req), res);
  });
});
