import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { memoryLogger } from "./log";
import { every } from "./periodic";

it("every runs the task repeatedly, one at a time, survives failures, and stops cleanly", async () => {
  const log = memoryLogger();
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const p = every(5, "test", async () => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    runs++;
    await sleep(10);
    concurrent--;
    if (runs === 2) throw new Error("boom");
  }, log);
  await p.runNow();
  await sleep(80);
  await p.stop();
  const after = runs;
  await sleep(30);
  assert.equal(runs, after, "no runs after stop");
  assert.ok(runs >= 3, `ran ${runs} times`);
  assert.equal(maxConcurrent, 1);
  assert.ok(log.lines.some((l) => l.event === "background_task_failed" && l.task === "test"));
});
