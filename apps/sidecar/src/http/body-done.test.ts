import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Readable } from "node:stream";
import { onBodyDone } from "./body-done";

function done(body: Readable): Promise<boolean> {
  return new Promise((resolve) => onBodyDone(body, resolve));
}

describe("onBodyDone", () => {
  it("reports a body read to its end as not failed", async () => {
    const body = Readable.from([Buffer.from("a"), Buffer.from("b")]);
    const result = done(body);
    body.resume();
    assert.equal(await result, false);
  });

  it("reports a body destroyed before its end as failed", async () => {
    const body = new Readable({ read() {} });
    body.push("partial");
    const result = done(body);
    body.destroy(new Error("upstream reset"));
    body.on("error", () => {});
    assert.equal(await result, true);
  });

  it("answers for a body that is already over", async () => {
    const body = Readable.from([Buffer.from("a")]);
    body.resume();
    await new Promise((r) => body.once("close", r));
    assert.equal(await done(body), false);
  });

  it("calls every waiter on one body once, in the order they waited", async () => {
    const body = new Readable({ read() {} });
    const calls: string[] = [];
    onBodyDone(body, (failed) => calls.push(`telemetry:${failed}`));
    onBodyDone(body, (failed) => calls.push(`limit:${failed}`));
    assert.equal(body.listenerCount("close"), 1);
    body.push("x");
    body.push(null);
    body.resume();
    await new Promise((r) => body.once("close", r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ["telemetry:false", "limit:false"]);
  });
});
