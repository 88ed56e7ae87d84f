// Contract: the mesh revision counter, the policy revisions that bump it, and the audit log they write.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openDatabase } from "../index";
import { T0, at, spec, type SharedDatabase } from "./fixture";

export function revisionAndPolicyContract(ctx: SharedDatabase): void {
  describe("mesh revision", () => {
    it("starts at 0 and counts up by one", async () => {
      assert.equal(await ctx.db.revisions.current(), 0);
      assert.equal(await ctx.db.revisions.bump("first"), 1);
      assert.equal(await ctx.db.revisions.bump("second"), 2);
      assert.equal(await ctx.db.revisions.current(), 2);
    });

    it("gives every concurrent bump its own number, across replicas too", async () => {
      await ctx.db.revisions.bump("before");
      const other = await openDatabase(ctx.url);
      try {
        const bumps = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? ctx.db : other).revisions.bump(`bump ${i}`));
        const values = await Promise.all(bumps);
        assert.deepEqual([...values].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i + 2));
        assert.equal(await other.revisions.current(), 31);
      } finally {
        await other.close();
      }
    });
  });

  describe("policies", () => {
    const save = (service: string, attempts: number, seconds = 0) =>
      ctx.db.policies.save({ service, spec: spec(service, attempts), author: "ada", message: `attempts ${attempts}`, now: at(seconds) });

    it("stores a revision that is the mesh revision it produced", async () => {
      await ctx.db.revisions.bump("registry change");
      const saved = await save("catalog", 3, 1);
      assert.deepEqual(saved, { service: "catalog", revision: 2, spec: spec("catalog", 3), author: "ada", message: "attempts 3", createdAt: at(1) });
      assert.equal(await ctx.db.revisions.current(), 2);
    });

    it("keeps every revision, newest first, and serves the latest spec per service", async () => {
      await save("catalog", 2, 1);
      await save("reviews", 4, 2);
      await save("catalog", 5, 3);
      const history = await ctx.db.policies.history("catalog");
      assert.deepEqual(history.map((h) => [h.revision, h.spec.retry?.attempts, h.createdAt]), [
        [3, 5, at(3)],
        [1, 2, at(1)],
      ]);
      assert.deepEqual(await ctx.db.policies.history("nobody"), []);
      assert.deepEqual(
        [...(await ctx.db.policies.currentSpecs())].sort(([a], [b]) => a.localeCompare(b)),
        [["catalog", spec("catalog", 5)], ["reviews", spec("reviews", 4)]],
      );
      assert.deepEqual((await ctx.db.policies.current()).map((r) => [r.service, r.revision, r.message]), [
        ["catalog", 3, "attempts 5"],
        ["reviews", 2, "attempts 4"],
      ]);
    });

    it("gives concurrent saves distinct, monotonic revisions", async () => {
      const saved = await Promise.all(Array.from({ length: 10 }, (_, i) => save("catalog", (i % 9) + 1, i)));
      assert.deepEqual(saved.map((s) => s.revision).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i + 1));
      assert.deepEqual((await ctx.db.policies.history("catalog")).map((h) => h.revision), Array.from({ length: 10 }, (_, i) => 10 - i));
    });

    it("reads one revision of one service back, and null for any other", async () => {
      const saved = await save("catalog", 3, 1);
      await save("reviews", 4, 2);
      assert.deepEqual(await ctx.db.policies.get("catalog", saved.revision), saved);
      assert.equal(await ctx.db.policies.get("reviews", saved.revision), null);
      assert.equal(await ctx.db.policies.get("catalog", 99), null);
    });

    it("refuses a spec that does not parse, without using up a revision or an audit entry", async () => {
      const invalid = JSON.parse('{"service":"catalog","retry":{"attempts":0}}'); // what a bug upstream could pass
      await assert.rejects(ctx.db.policies.save({ service: "catalog", spec: invalid, author: "ada", message: "bad", now: T0 }));
      assert.equal(await ctx.db.revisions.current(), 0);
      assert.deepEqual(await ctx.db.policies.history("catalog"), []);
      assert.deepEqual(await ctx.db.audit.list(10), []);
    });
  });

  describe("audit log", () => {
    it("records every policy save with its actor, time, action, service, revision and message", async () => {
      await ctx.db.policies.save({ service: "catalog", spec: spec("catalog", 2), author: "ada", message: "two", now: at(1) });
      await ctx.db.policies.save({ service: "catalog", spec: { service: "catalog" }, author: "bob", message: "defaults", now: at(2), action: "policy.reset" });
      await ctx.db.policies.save({ service: "catalog", spec: spec("catalog", 2), author: "ada", message: "back", now: at(3), action: "policy.rollback" });
      const entries = await ctx.db.audit.list(10);
      assert.deepEqual(
        entries.map(({ id: _id, ...rest }) => rest),
        [
          { at: at(3), actor: "ada", action: "policy.rollback", service: "catalog", revision: 3, message: "back" },
          { at: at(2), actor: "bob", action: "policy.reset", service: "catalog", revision: 2, message: "defaults" },
          { at: at(1), actor: "ada", action: "policy.update", service: "catalog", revision: 1, message: "two" },
        ],
      );
    });

    it("lists newest first within the limit, insertion order breaking ties in time", async () => {
      for (let i = 0; i < 5; i++) await ctx.db.policies.save({ service: `svc-${i}`, spec: spec(`svc-${i}`, 2), author: "ada", message: `m${i}`, now: at(i < 3 ? 1 : i) });
      assert.deepEqual((await ctx.db.audit.list(4)).map((e) => e.message), ["m4", "m3", "m2", "m1"]);
      assert.deepEqual(await ctx.db.audit.list(0), []);
    });
  });
}
