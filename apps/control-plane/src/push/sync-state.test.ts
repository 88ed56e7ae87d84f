import assert from "node:assert/strict";
import { it } from "node:test";
import type { ConfigStatusRecord } from "../db/repositories";
import { syncStateOf, type SyncInputs } from "./sync-state";

const NOW = Date.parse("2026-01-01T00:00:30Z");

function status(over: Partial<ConfigStatusRecord>): ConfigStatusRecord {
  return {
    instanceId: "i",
    sentRevision: null,
    sentAt: null,
    ackedRevision: null,
    lastAnswerRevision: null,
    lastAnswerAccepted: null,
    lastError: null,
    lastAnswerAt: null,
    ...over,
  };
}

const base: SyncInputs = { up: true, connected: true, currentRevision: 7, status: undefined, nowMs: NOW, ackTimeoutMs: 10_000 };
const recent = new Date(NOW - 2000);
const old = new Date(NOW - 20_000);

it("syncStateOf covers every state", () => {
  assert.equal(syncStateOf({ ...base, up: false, status: status({ ackedRevision: 7 }) }), "disconnected");
  assert.equal(syncStateOf({ ...base, connected: false, status: status({ ackedRevision: 7 }) }), "disconnected");
  assert.equal(syncStateOf({ ...base }), "pending", "connected, nothing sent yet");
  assert.equal(syncStateOf({ ...base, status: status({ sentRevision: 7, sentAt: recent, ackedRevision: 6 }) }), "pending");
  assert.equal(syncStateOf({ ...base, status: status({ sentRevision: 6, sentAt: old, ackedRevision: 6 }) }), "pending", "the new revision is on its way");
  assert.equal(syncStateOf({ ...base, status: status({ sentRevision: 7, sentAt: recent, ackedRevision: 7, lastAnswerRevision: 7, lastAnswerAccepted: true }) }), "synced");
  assert.equal(
    syncStateOf({ ...base, status: status({ sentRevision: 7, sentAt: recent, ackedRevision: 6, lastAnswerRevision: 7, lastAnswerAccepted: false, lastError: "bad" }) }),
    "rejected",
  );
  assert.equal(
    syncStateOf({ ...base, currentRevision: 8, status: status({ sentRevision: 8, sentAt: recent, ackedRevision: 6, lastAnswerRevision: 7, lastAnswerAccepted: false }) }),
    "pending",
    "a NACK of an older revision while a newer one awaits its answer",
  );
  assert.equal(syncStateOf({ ...base, status: status({ sentRevision: 7, sentAt: old, ackedRevision: 5 }) }), "stale");
});
