import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryLogger } from "./log";

describe("createLogger", () => {
  it("writes one JSON object per event with time, level and fields, above the threshold", () => {
    const log = memoryLogger("info");
    log.debug("hidden");
    log.info("listening", { apiPort: 7070 });
    log.child({ reqId: "r1" }).warn("slow", { err: new Error("boom") });
    assert.equal(log.lines.length, 2);
    assert.equal(log.lines[0]!.event, "listening");
    assert.equal(log.lines[0]!.apiPort, 7070);
    assert.equal(typeof log.lines[0]!.time, "string");
    assert.equal(log.lines[1]!.reqId, "r1");
    assert.equal((log.lines[1]!.err as { message: string }).message, "boom");
  });
});
