// The policy API against a real control plane (in-process, SQLite in a temp folder): revisions, diff,
// rollback, history, validation errors with their paths, the preview, the audit log, and the push of
// a change to exactly the sidecars it concerns.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  POLICY_API,
  SIDECAR_API,
  ZApiError,
  ZAuditResponse,
  ZBundle,
  ZCurrentPolicyResponse,
  ZPoliciesResponse,
  ZPolicyDiffResponse,
  ZPolicyPreviewResponse,
  ZPolicyRevision,
  ZPolicyRevisionsResponse,
  ZSidecarsResponse,
  type Bundle,
  type PolicySpec,
} from "@trellis/mesh-model";
import { openSse, type SseClient } from "../../fixtures/sse-client";
import { loginCookie, postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";

const SIDECARS = [
  ["frontend-1", "frontend", "v1"],
  ["catalog-1", "catalog", "v1"],
  ["catalog-2", "catalog", "v2"],
  ["reviews-1", "reviews", "v1"],
] as const;

const canary = (v2Weight: number, attempts: number): PolicySpec => ({
  service: "catalog",
  routes: [{ name: "canary", backends: [{ version: "v1", weight: 100 - v2Weight }, { version: "v2", weight: v2Weight }] }],
  retry: { attempts },
});

async function nextBundle(stream: SseClient, timeoutMs?: number): Promise<Bundle> {
  const event = await stream.next(timeoutMs);
  assert.equal(event.event, "bundle");
  return ZBundle.parse(JSON.parse(event.data));
}

async function apiError(res: Response, status: number, code: string): Promise<{ message: string; path?: string }> {
  const body: unknown = await res.json();
  assert.equal(res.status, status, `status of ${res.url}: ${JSON.stringify(body)}`);
  const { error } = ZApiError.parse(body);
  assert.equal(error.code, code, error.message);
  return error;
}

describe("policy API", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  const streams = new Map<string, SseClient>();
  // Operator calls carry the bootstrap token (author "token:bootstrap") unless a session cookie is given.
  const send = (method: string, path: string, body?: unknown, cookie?: string) => {
    const headers: Record<string, string> = cookie ? { cookie, origin: t.api } : { ...t.auth };
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(t.api + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  };
  const post = (path: string, body: unknown) => send("POST", path, body);
  const getJson = async (path: string) => {
    const res = await t.fetch(path);
    const body: unknown = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    return body;
  };
  const put = (spec: unknown, message = "change", cookie?: string) => send("PUT", POLICY_API.policy("catalog"), { spec, message, author: "claimed-author" }, cookie);
  const auditCount = async () => ZAuditResponse.parse(await getJson(POLICY_API.audit)).entries.length;

  before(async () => {
    t = await startTestControlPlane({ args: ["--lease-ttl", "15s"] });
    for (const [instanceId, service, version] of SIDECARS) {
      const res = await postJson(t.api + SIDECAR_API.register, { instanceId, service, version, host: "127.0.0.1", inboundPort: 4000, labels: {} });
      assert.equal(res.status, 200);
    }
    for (const [instanceId] of SIDECARS) {
      const stream = await openSse(t.api + SIDECAR_API.config(instanceId));
      streams.set(instanceId, stream);
      const first = await nextBundle(stream);
      // ACKed, so the sync state can show who is concerned by later changes.
      assert.equal((await postJson(t.api + SIDECAR_API.ack(instanceId), { revision: first.revision, accepted: true })).status, 204);
    }
  });
  after(async () => {
    for (const s of streams.values()) s.close();
    await t.close();
  });

  it("answers defaults for a service without a policy", async () => {
    assert.deepEqual(ZCurrentPolicyResponse.parse(await getJson(POLICY_API.policy("catalog"))), { service: "catalog", spec: { service: "catalog" }, current: null });
    assert.deepEqual(ZPolicyRevisionsResponse.parse(await getJson(POLICY_API.revisions("catalog"))).revisions, []);
    await apiError(await send("DELETE", POLICY_API.policy("catalog")), 404, "not_found");
  });

  it("rejects malformed specs with the path of the bad field, and saves nothing", async () => {
    const before = await auditCount();
    const bad = { service: "catalog", routes: [{ backends: [{ version: "v1", weight: 1 }, { version: "v2", weight: -5 }] }] };
    assert.equal((await apiError(await put(bad), 400, "invalid_body")).path, "spec.routes.0.backends.1.weight");
    // The preview's body is the spec itself, so its paths are the spec's.
    const preview = ZPolicyPreviewResponse.parse(await (await post(POLICY_API.preview("catalog"), bad)).json());
    assert.equal(preview.valid, false);
    assert.equal(preview.issues[0]?.path, "routes.0.backends.1.weight");
    assert.equal(preview.compiled, null);

    assert.equal((await apiError(await put({ service: "catalog", retry: { attempts: 3, bogus: 1 } }), 400, "invalid_body")).path, "spec.retry.bogus");
    assert.equal((await apiError(await send("PUT", POLICY_API.policy("catalog"), { spec: { service: "catalog" } }), 400, "invalid_body")).path, "message");
    assert.equal((await apiError(await put({ service: "reviews" }), 400, "invalid_body")).path, "spec.service");
    assert.equal(await auditCount(), before);
    assert.deepEqual(ZPolicyRevisionsResponse.parse(await getJson(POLICY_API.revisions("catalog"))).revisions, []);
  });

  it("rejects unknown versions and services with semantic errors", async () => {
    const unknownVersion = { service: "catalog", routes: [{ backends: [{ version: "v1", weight: 50 }, { version: "v9", weight: 50 }] }] };
    const e1 = await apiError(await put(unknownVersion), 400, "invalid_policy");
    assert.equal(e1.path, "spec.routes.0.backends.1.version");
    assert.match(e1.message, /unknown_version/);
    assert.match(e1.message, /known: v1, v2/);

    const res = await send("PUT", POLICY_API.policy("ghost"), { spec: { service: "ghost", retry: { attempts: 2 } }, message: "m" });
    const e2 = await apiError(res, 400, "invalid_policy");
    assert.equal(e2.path, "spec.service");
    assert.match(e2.message, /unknown_service/);

    const amplifying = { service: "catalog", retry: { attempts: 3, budget: { percent: 90 } } };
    assert.equal((await apiError(await put(amplifying), 400, "invalid_policy")).path, "spec.retry.budget.percent");
    const preview = ZPolicyPreviewResponse.parse(await (await post(POLICY_API.preview("catalog"), unknownVersion)).json());
    assert.deepEqual(preview.issues.map((i) => [i.path, i.code]), [["routes.0.backends.1.version", "unknown_version"]]);
    assert.equal(preview.valid, false);
    assert.ok(preview.compiled, "a spec that parses is compiled even with semantic issues");
  });

  it("previews what sidecars would get and whom it would reach, without saving", async () => {
    const revisionBefore = ZSidecarsResponse.parse(await getJson("/api/v1/sidecars"));
    const res = await post(POLICY_API.preview("catalog"), canary(10, 3));
    assert.equal(res.status, 200);
    const preview = ZPolicyPreviewResponse.parse(await res.json());
    assert.equal(preview.valid, true);
    assert.deepEqual(preview.compiled?.routes[0]?.backends, [{ version: "v1", weight: 9000 }, { version: "v2", weight: 1000 }]);
    assert.deepEqual(preview.compiled?.endpoints.map((e) => e.instanceId), ["catalog-1", "catalog-2"]);
    // Callers of catalog are concerned; catalog's own sidecars only by a health check change.
    assert.deepEqual(preview.reaches, ["frontend-1", "reviews-1"]);
    assert.ok(preview.changes.some((c) => c.path === "routes.0.retry.attempts"));

    const withHealth = ZPolicyPreviewResponse.parse(await (await post(POLICY_API.preview("catalog"), { ...canary(10, 3), healthCheck: { path: "/ready" } })).json());
    assert.deepEqual(withHealth.reaches, ["catalog-1", "catalog-2", "frontend-1", "reviews-1"]);
    assert.equal(withHealth.localHealthCheck?.path, "/ready");
    assert.deepEqual(ZSidecarsResponse.parse(await getJson("/api/v1/sidecars")), revisionBefore);
    assert.deepEqual(ZPolicyRevisionsResponse.parse(await getJson(POLICY_API.revisions("catalog"))).revisions, []);
  });

  it("pushes a saved change to the callers of the service only", async () => {
    const res = await put(canary(10, 3), "canary v2 at 10%");
    assert.equal(res.status, 200);
    const saved = ZPolicyRevision.parse(await res.json());
    // The author is who called (here the bootstrap token), never the body's claim.
    assert.equal(saved.author, "token:bootstrap");
    assert.deepEqual(saved.spec, canary(10, 3));

    for (const caller of ["frontend-1", "reviews-1"]) {
      const bundle = await nextBundle(streams.get(caller)!);
      assert.equal(bundle.revision, saved.revision, caller);
      assert.deepEqual(bundle.services["catalog"]?.routes[0]?.backends, [{ version: "v1", weight: 9000 }, { version: "v2", weight: 1000 }]);
      assert.equal(bundle.services["catalog"]?.routes[0]?.retry.attempts, 3);
    }
    // catalog's own sidecars are not concerned: nothing arrives, and they stay in sync.
    await assert.rejects(streams.get("catalog-1")!.next(500), /no SSE event/);
    await assert.rejects(streams.get("catalog-2")!.next(50), /no SSE event/);
    const states = Object.fromEntries(ZSidecarsResponse.parse(await getJson("/api/v1/sidecars")).sidecars.map((s) => [s.instanceId, s.syncState]));
    assert.deepEqual(states, { "catalog-1": "synced", "catalog-2": "synced", "frontend-1": "pending", "reviews-1": "pending" });
  });

  it("keeps every revision, diffs them as spec and compiled, rolls back and resets as new revisions", async () => {
    const first = ZPolicyRevisionsResponse.parse(await getJson(POLICY_API.revisions("catalog"))).revisions[0]!;
    assert.equal((await post("/api/v1/users", { username: "ada", password: "ada-password-123", role: "editor" })).status, 201);
    const ada = await loginCookie(t.api, "ada", "ada-password-123");
    const second = ZPolicyRevision.parse(await (await put(canary(50, 2), "v2 at half", ada)).json());
    assert.equal(second.author, "ada");
    assert.ok(second.revision > first.revision);

    const history = ZPolicyRevisionsResponse.parse(await getJson(POLICY_API.revisions("catalog"))).revisions;
    assert.deepEqual(history.map((h) => [h.revision, h.author, h.message]), [
      [second.revision, "ada", "v2 at half"],
      [first.revision, "token:bootstrap", "canary v2 at 10%"],
    ]);
    assert.deepEqual(ZPolicyRevision.parse(await getJson(POLICY_API.revision("catalog", first.revision))).spec, canary(10, 3));

    const diff = ZPolicyDiffResponse.parse(await getJson(`${POLICY_API.diff("catalog")}?from=${first.revision}&to=${second.revision}`));
    assert.deepEqual(diff.spec, [
      { path: "routes.0.backends.0.weight", kind: "changed", before: 90, after: 50 },
      { path: "routes.0.backends.1.weight", kind: "changed", before: 10, after: 50 },
      { path: "retry.attempts", kind: "changed", before: 3, after: 2 },
    ]);
    assert.deepEqual(diff.compiled, [
      { path: "routes.0.backends.0.weight", kind: "changed", before: 9000, after: 5000 },
      { path: "routes.0.backends.1.weight", kind: "changed", before: 1000, after: 5000 },
      { path: "routes.0.retry.attempts", kind: "changed", before: 3, after: 2 },
    ]);

    const rollbackRes = await post(POLICY_API.rollback("catalog"), { revision: first.revision });
    assert.equal(rollbackRes.status, 201);
    const rolledBack = ZPolicyRevision.parse(await rollbackRes.json());
    assert.ok(rolledBack.revision > second.revision);
    assert.deepEqual(rolledBack.spec, canary(10, 3));
    assert.equal(rolledBack.message, `rollback to revision ${first.revision}`);
    const current = ZCurrentPolicyResponse.parse(await getJson(POLICY_API.policy("catalog")));
    assert.equal(current.current?.revision, rolledBack.revision);
    assert.deepEqual(current.spec, canary(10, 3));
    // The caller ends up with the rolled-back policy (an intermediate revision may come first).
    let bundle = await nextBundle(streams.get("frontend-1")!);
    if (bundle.revision < rolledBack.revision) bundle = await nextBundle(streams.get("frontend-1")!);
    assert.equal(bundle.revision, rolledBack.revision);
    assert.equal(bundle.services["catalog"]?.routes[0]?.backends[1]?.weight, 1000);

    const resetRes = await send("DELETE", POLICY_API.policy("catalog"), { message: "back to defaults", author: "bob" }, ada);
    const reset = ZPolicyRevision.parse(await resetRes.json());
    assert.deepEqual(reset.spec, { service: "catalog" });
    assert.ok(reset.revision > rolledBack.revision);
    assert.deepEqual(ZPoliciesResponse.parse(await getJson(POLICY_API.policies)).policies.map((p) => [p.service, p.revision]), [["catalog", reset.revision]]);

    const revisions = ZPolicyRevisionsResponse.parse(await getJson(POLICY_API.revisions("catalog"))).revisions;
    assert.deepEqual(revisions.map((r) => r.revision), [reset.revision, rolledBack.revision, second.revision, first.revision]);

    const audit = ZAuditResponse.parse(await getJson(`${POLICY_API.audit}?limit=3`)).entries;
    assert.deepEqual(audit.map((e) => [e.action, e.actor, e.service, e.revision, e.message]), [
      ["policy.reset", "ada", "catalog", reset.revision, "back to defaults"],
      ["policy.rollback", "token:bootstrap", "catalog", rolledBack.revision, `rollback to revision ${first.revision}`],
      ["policy.update", "ada", "catalog", second.revision, "v2 at half"],
    ]);
    assert.equal(await auditCount(), 4);
  });

  it("answers 404 for unknown revisions and 400 for bad queries", async () => {
    await apiError(await t.fetch(POLICY_API.revision("catalog", 9999)), 404, "not_found");
    await apiError(await t.fetch(`${POLICY_API.diff("catalog")}?from=1&to=9999`), 404, "not_found");
    assert.equal((await apiError(await t.fetch(`${POLICY_API.diff("catalog")}?to=1`), 400, "invalid_query")).path, "from");
    await apiError(await post(POLICY_API.rollback("catalog"), { revision: 9999 }), 404, "not_found");
    assert.equal((await apiError(await t.fetch(`${POLICY_API.audit}?limit=0`), 400, "invalid_query")).path, "limit");
    assert.equal((await apiError(await t.fetch("/api/v1/policies/Not_A_Name"), 400, "invalid_params")).path, "service");
  });
});
