import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileBundle } from "./compile";
import { diffJson } from "./diff";

describe("diffJson", () => {
  it("finds nothing between equal values, shared or not", () => {
    const spec = { service: "a", routes: [{ backends: [{ version: "v1", weight: 1 }] }] };
    assert.deepEqual(diffJson(spec, spec), []);
    assert.deepEqual(diffJson(spec, structuredClone(spec)), []);
    assert.deepEqual(diffJson(null, null), []);
    assert.deepEqual(diffJson([], []), []);
  });

  it("reports changed scalars at their dotted path", () => {
    const before = { service: "reviews", routes: [{ backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] }] };
    const after = { service: "reviews", routes: [{ backends: [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }] }] };
    assert.deepEqual(diffJson(before, after), [
      { path: "routes.0.backends.0.weight", kind: "changed", before: 90, after: 50 },
      { path: "routes.0.backends.1.weight", kind: "changed", before: 10, after: 50 },
    ]);
  });

  it("reports added and removed keys with their whole values, in document order", () => {
    const before = { service: "a", retry: { attempts: 3 }, timeout: { request: "2s" } };
    const after = { service: "a", timeout: { request: "2s" }, circuitBreaker: { maxRequests: 10 }, retry: { attempts: 3, perTryTimeout: "1s" } };
    assert.deepEqual(diffJson(before, after), [
      { path: "retry.perTryTimeout", kind: "added", after: "1s" },
      { path: "circuitBreaker", kind: "added", after: { maxRequests: 10 } },
    ]);
    assert.deepEqual(diffJson(after, before), [
      { path: "circuitBreaker", kind: "removed", before: { maxRequests: 10 } },
      { path: "retry.perTryTimeout", kind: "removed", before: "1s" },
    ]);
  });

  it("compares arrays by position: growth is added, shrinkage is removed", () => {
    assert.deepEqual(diffJson({ m: ["GET"] }, { m: ["GET", "POST"] }), [{ path: "m.1", kind: "added", after: "POST" }]);
    assert.deepEqual(diffJson({ m: ["GET", "POST"] }, { m: ["POST"] }), [
      { path: "m.0", kind: "changed", before: "GET", after: "POST" },
      { path: "m.1", kind: "removed", before: "POST" },
    ]);
  });

  it("reports a change of kind as one change with both whole values", () => {
    assert.deepEqual(diffJson({ a: { b: 1 } }, { a: [1] }), [{ path: "a", kind: "changed", before: { b: 1 }, after: [1] }]);
    assert.deepEqual(diffJson({ a: null }, { a: { b: 1 } }), [{ path: "a", kind: "changed", before: null, after: { b: 1 } }]);
    assert.deepEqual(diffJson({ a: 1 }, { a: "1" }), [{ path: "a", kind: "changed", before: 1, after: "1" }]);
    assert.deepEqual(diffJson(false, 0), [{ path: "", kind: "changed", before: false, after: 0 }]);
  });

  it("treats undefined keys as absent and reports whole-value additions at the root", () => {
    assert.deepEqual(diffJson({ a: 1, b: undefined }, { a: 1 }), []);
    assert.deepEqual(diffJson({ a: 1 }, { a: 1, b: undefined }), []);
    assert.deepEqual(diffJson(undefined, { a: 1 }), [{ path: "", kind: "added", after: { a: 1 } }]);
    assert.deepEqual(diffJson({ a: 1 }, undefined), [{ path: "", kind: "removed", before: { a: 1 } }]);
  });

  it("diffs two bundle revisions down to the changed endpoint and weight", () => {
    const base = {
      revision: 1,
      generatedAt: "2025-01-01T00:00:00.000Z",
      sidecar: { service: "frontend", version: "v1" },
      destinations: [{ service: "reviews", endpoints: [{ instanceId: "r-1", version: "v1", host: "10.0.0.1", port: 15006, weight: 100, labels: {} }] }],
    };
    const next = {
      ...base,
      revision: 2,
      destinations: [
        {
          service: "reviews",
          spec: { service: "reviews", routes: [{ backends: [{ version: "v1", weight: 9 }, { version: "v2", weight: 1 }] }] },
          endpoints: [...base.destinations[0]!.endpoints, { instanceId: "r-2", version: "v2", host: "10.0.0.2", port: 15006, weight: 100, labels: {} }],
        },
      ],
    };
    const entries = diffJson(compileBundle(base), compileBundle(next));
    assert.deepEqual(entries.map((e) => `${e.kind} ${e.path}`), [
      "changed revision",
      "changed services.reviews.routes.0.name",
      "added services.reviews.routes.0.backends.0",
      "added services.reviews.routes.0.backends.1",
      "added services.reviews.endpoints.1",
    ]);
    assert.deepEqual(entries[2]!.after, { version: "v1", weight: 9000 });
  });
});
