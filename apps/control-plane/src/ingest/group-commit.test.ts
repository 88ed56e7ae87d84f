import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GroupCommit } from "./group-commit";

it("GroupCommit batches submitters that arrive during a write, and reports failures to their own batch", async () => {
  const writes: number[][] = [];
  let fail = false;
  const gc = new GroupCommit<number>(async (items) => {
    writes.push(items);
    await sleep(20);
    if (fail) throw new Error("disk full");
  });
  const first = gc.submit([1]);
  await sleep(5); // the first write is running
  const second = gc.submit([2, 3]);
  const third = gc.submit([4]);
  await Promise.all([first, second, third]);
  assert.deepEqual(writes, [[1], [2, 3, 4]]);

  fail = true;
  await assert.rejects(gc.submit([5]), /disk full/);
  fail = false;
  await gc.submit([6]);
  await gc.flush();
  assert.deepEqual(writes.slice(2), [[5], [6]]);
});
