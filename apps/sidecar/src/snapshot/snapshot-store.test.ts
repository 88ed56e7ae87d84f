import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SnapshotStore } from "./snapshot-store";
import { silentLogger } from "../log";
import { makeBundle, ME } from "../testing/bundles";

const fromCp = { source: "control-plane", allowRegression: false } as const;
const store = () => new SnapshotStore(ME, silentLogger);

describe("SnapshotStore", () => {
  it("starts empty and applies a valid bundle as one snapshot", () => {
    const s = store();
    assert.equal(s.current?.revision, undefined);
    const r = s.apply(makeBundle(3, [{ service: "catalog", endpoints: [{ port: 1001 }] }]), fromCp);
    assert.equal(r.status, "applied");
    assert.equal(s.current?.revision, 3);
    assert.equal(s.current?.destinations.get("catalog")?.balancer.size, 1);
  });

  it("swaps snapshots atomically: a holder of the old one keeps it", () => {
    const s = store();
    s.apply(makeBundle(1, [{ service: "catalog", endpoints: [{ port: 1001 }] }]), fromCp);
    const held = s.current!;
    s.apply(makeBundle(2, [{ service: "orders", endpoints: [{ port: 1002 }] }]), fromCp);
    assert.deepEqual([...held.destinations.keys()], ["catalog"]);
    assert.deepEqual([...s.current!.destinations.keys()], ["orders"]);
    assert.ok(Object.isFrozen(held));
  });

  it("NACKs a bundle that fails validation, naming the field, and keeps the last good one", () => {
    const s = store();
    s.apply(makeBundle(1, [{ service: "catalog", endpoints: [{ port: 1001 }] }]), fromCp);
    const bad = structuredClone(makeBundle(2, [{ service: "catalog", endpoints: [{ port: 1001 }] }])) as Record<string, any>;
    bad.services.catalog.endpoints[0].port = 70_000;
    const r = s.apply(bad, fromCp);
    assert.equal(r.status, "rejected");
    assert.equal(r.revision, 2);
    assert.match(r.status === "rejected" ? r.error : "", /services\.catalog\.endpoints\.0\.port/);
    assert.equal(s.current?.revision, 1);
  });

  it("NACKs an unsupported schemaVersion", () => {
    const s = store();
    const r = s.apply({ ...makeBundle(5), schemaVersion: 2 }, fromCp);
    assert.equal(r.status, "rejected");
    assert.match(r.status === "rejected" ? r.error : "", /schemaVersion: 2 is not supported/);
    assert.equal(s.current, undefined);
  });

  it("NACKs a revision older than the applied one within a session, but re-ACKs the same one", () => {
    const s = store();
    s.apply(makeBundle(7), fromCp);
    const older = s.apply(makeBundle(6), fromCp);
    assert.equal(older.status, "rejected");
    assert.match(older.status === "rejected" ? older.error : "", /revision: 6 is older than the applied revision 7/);
    assert.deepEqual(s.apply(makeBundle(7), fromCp), { status: "unchanged", revision: 7 });
    assert.equal(s.current?.revision, 7);
  });

  it("accepts a lower revision as the first bundle of a new session (a reset control plane)", () => {
    const s = store();
    s.apply(makeBundle(40), { source: "cache", allowRegression: true });
    const r = s.apply(makeBundle(2), { source: "control-plane", allowRegression: true });
    assert.equal(r.status, "applied");
    assert.equal(s.current?.revision, 2);
  });

  it("NACKs a bundle compiled for another sidecar", () => {
    const s = store();
    const r = s.apply({ ...makeBundle(1), sidecar: { service: "other", version: "v1" } }, fromCp);
    assert.equal(r.status, "rejected");
    assert.match(r.status === "rejected" ? r.error : "", /bundle is for other@v1, this sidecar is web@v1/);
  });

  it("NACKs a bundle whose route regex cannot compile", () => {
    const s = store();
    const bad = structuredClone(makeBundle(1, [{ service: "catalog" }])) as Record<string, any>;
    bad.services.catalog.routes[0].path = { kind: "regex", value: "([" };
    const r = s.apply(bad, fromCp);
    assert.equal(r.status, "rejected");
    assert.match(r.status === "rejected" ? r.error : "", /services\.catalog\.routes\.0\.path: invalid regular expression/);
  });

  it("NACKs things that are not bundles at all", () => {
    for (const raw of [null, "x", [], 42]) assert.equal(store().apply(raw, fromCp).status, "rejected");
  });
});
