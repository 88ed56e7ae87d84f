import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LatestMailbox } from "./latest-mailbox";

describe("LatestMailbox", () => {
  it("hands a waiting reader the value at once", async () => {
    const box = new LatestMailbox<number>();
    const taken = box.take();
    box.put(1);
    assert.equal(await taken, 1);
  });

  it("keeps only the latest value for a slow reader", async () => {
    const box = new LatestMailbox<number>();
    for (let i = 1; i <= 1000; i++) box.put(i);
    assert.equal(await box.take(), 1000);
    box.put(1001);
    assert.equal(await box.take(), 1001);
  });

  it("wakes a waiting reader with undefined when closed, and ignores later puts", async () => {
    const box = new LatestMailbox<number>();
    const taken = box.take();
    box.close();
    assert.equal(await taken, undefined);
    box.put(5);
    assert.equal(await box.take(), undefined);
    assert.equal(box.isClosed, true);
  });
});
