// Contract: the mesh revision counter and the policy revisions that bump it.
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
    });

    it("gives concurrent saves distinct, monotonic revisions", async () => {
      const saved = await Promise.all(Array.from({ length: 10 }, (_, i) => save("catalog", (i % 9) + 1, i)));
      assert.deepEqual(saved.map((s) => s.revision).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i + 1));
      assert.deepEqual((await ctx.db.policies.history("catalog")).map((h) => h.revision), Array.from({ length: 10 }, (_, i) => 10 - i));
    });

    it("refuses a spec that does not parse, without using up a revision", async () => {
      const invalid = JSON.parse('{"service":"catalog","retry":{"attempts":0}}'); // what a bug upstream could pass
      await assert.rejects(ctx.db.policies.save({ service: "catalog", spec: invalid, author: "ada", message: "bad", now: T0 }));
      assert.equal(await ctx.db.revisions.current(), 0);
      assert.deepEqual(await ctx.db.policies.history("catalog"), []);
    });
  });
}
