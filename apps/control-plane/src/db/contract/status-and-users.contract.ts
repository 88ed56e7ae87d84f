// Contract: per-sidecar config push status, and console users.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UniqueConstraintError } from "../index";
import { T0, at, type SharedDatabase } from "./fixture";

export function statusAndUserContract(ctx: SharedDatabase): void {
  describe("config status", () => {
    it("tracks what was sent and the last answer of each sidecar", async () => {
      assert.deepEqual(await ctx.db.configStatus.list(), []);
      await ctx.db.configStatus.recordSent("catalog-1", 3, at(1));
      await ctx.db.configStatus.recordAnswer("catalog-1", { revision: 3, accepted: true }, at(2));
      await ctx.db.configStatus.recordSent("catalog-1", 4, at(3));
      await ctx.db.configStatus.recordAnswer("catalog-1", { revision: 4, accepted: false, error: "routes[0].backends: unknown version v9" }, at(4));
      assert.deepEqual(await ctx.db.configStatus.list(), [
        {
          instanceId: "catalog-1",
          sentRevision: 4,
          sentAt: at(3),
          ackedRevision: 3,
          lastAnswerRevision: 4,
          lastAnswerAccepted: false,
          lastError: "routes[0].backends: unknown version v9",
          lastAnswerAt: at(4),
        },
      ]);

      await ctx.db.configStatus.recordSent("catalog-1", 5, at(5));
      await ctx.db.configStatus.recordAnswer("catalog-1", { revision: 5, accepted: true }, at(6));
      const [status] = await ctx.db.configStatus.list();
      assert.equal(status?.ackedRevision, 5);
      assert.equal(status?.lastAnswerAccepted, true);
      assert.equal(status?.lastError, null, "an ACK clears the previous NACK's error");
    });

    it("tracks which replica holds each config stream, and when it last said so", async () => {
      await ctx.db.configStatus.recordSent("catalog-1", 3, at(1));
      await ctx.db.configStatus.markStreamsOpen(["catalog-1", "reviews-1"], "replica-a", at(2));
      assert.deepEqual(await ctx.db.configStatus.openStreams(at(2)), [
        { instanceId: "catalog-1", replica: "replica-a", seenAt: at(2) },
        { instanceId: "reviews-1", replica: "replica-a", seenAt: at(2) },
      ]);
      assert.deepEqual(await ctx.db.configStatus.openStreams(at(3)), [], "not seen since");
      // reviews-1 reconnects to replica B; A's late close of its old stream changes nothing.
      await ctx.db.configStatus.markStreamsOpen(["reviews-1"], "replica-b", at(4));
      await ctx.db.configStatus.markStreamClosed("reviews-1", "replica-a");
      await ctx.db.configStatus.markStreamClosed("catalog-1", "replica-a");
      assert.deepEqual(await ctx.db.configStatus.openStreams(at(0)), [{ instanceId: "reviews-1", replica: "replica-b", seenAt: at(4) }]);
      const [catalog] = await ctx.db.configStatus.list();
      assert.equal(catalog?.sentRevision, 3, "presence leaves the push status alone");
    });

    it("keeps one row per sidecar, sent-only and answer-only alike", async () => {
      await ctx.db.configStatus.recordSent("reviews-1", 7, at(1));
      await ctx.db.configStatus.recordAnswer("catalog-1", { revision: 2, accepted: false }, at(2));
      assert.deepEqual(await ctx.db.configStatus.list(), [
        {
          instanceId: "catalog-1",
          sentRevision: null,
          sentAt: null,
          ackedRevision: null,
          lastAnswerRevision: 2,
          lastAnswerAccepted: false,
          lastError: null,
          lastAnswerAt: at(2),
        },
        {
          instanceId: "reviews-1",
          sentRevision: 7,
          sentAt: at(1),
          ackedRevision: null,
          lastAnswerRevision: null,
          lastAnswerAccepted: null,
          lastError: null,
          lastAnswerAt: null,
        },
      ]);
    });
  });

  describe("users", () => {
    it("creates, finds and counts users; a username is unique", async () => {
      assert.equal(await ctx.db.users.count(), 0);
      const created = await ctx.db.users.create({ username: "ada", passwordHash: "scrypt$abc", role: "editor", now: T0 });
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(created, { id: created.id, username: "ada", passwordHash: "scrypt$abc", role: "editor", createdAt: T0 });
      assert.deepEqual(await ctx.db.users.findByUsername("ada"), created);
      assert.equal(await ctx.db.users.findByUsername("bob"), null);
      await assert.rejects(ctx.db.users.create({ username: "ada", passwordHash: "x", role: "viewer", now: T0 }), UniqueConstraintError);
      await ctx.db.users.create({ username: "bob", passwordHash: "x", role: "viewer", now: T0 });
      assert.equal(await ctx.db.users.count(), 2);
    });
  });
}
