import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { bufferForRetry } from "./replayable-body";

const chunks = (n: number, size: number) => Array.from({ length: n }, (_, i) => Buffer.alloc(size, 97 + (i % 26)));

describe("bufferForRetry", () => {
  it("keeps a body up to the cap in memory", async () => {
    const r = await bufferForRetry(Readable.from(chunks(4, 1000)), {}, 4000);
    assert.equal(r.kind, "buffered");
    assert.equal(r.kind === "buffered" && r.bytes.length, 4000);
  });

  it("streams a larger body on intact, including what was read before the cap was hit", async () => {
    const parts = chunks(10, 1000);
    const r = await bufferForRetry(Readable.from(parts), {}, 2500);
    assert.equal(r.kind, "streaming");
    if (r.kind !== "streaming") return;
    assert.deepEqual(Buffer.concat(await r.body.toArray()), Buffer.concat(parts));
  });

  it("does not read a body whose content-length is over the cap", async () => {
    const body = Readable.from(chunks(1, 10));
    const r = await bufferForRetry(body, { "content-length": "100000" }, 1000);
    assert.equal(r.kind === "streaming" && r.body, body);
  });

  it("fails when the body breaks", async () => {
    const body = new Readable({ read() {} });
    const pending = bufferForRetry(body, {}, 1000);
    body.destroy(new Error("boom"));
    await assert.rejects(pending, /boom/);
  });
});
