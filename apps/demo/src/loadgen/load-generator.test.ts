import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Clock, startLoad } from "./load-generator";

/** A clock that only moves when the test says so. */
function manualClock() {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const due = timers[0];
      if (!due || due.at > end) break;
      timers.shift();
      now = due.at;
      due.fn();
    }
    now = end;
  };
  return { clock, advance };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("startLoad", () => {
  it("sends at the configured rate and counts answers by status", async () => {
    const { clock, advance } = manualClock();
    const statuses = [200, 503, 200];
    let i = 0;
    const load = startLoad({ rate: 10, maxInFlight: 5, clock, send: async () => statuses[i++ % 3] });
    for (let t = 0; t < 1_000; t += 50) {
      advance(50);
      await flush();
    }
    const stats = await load.stop();
    assert.equal(stats.sent, 11, "one at t=0, then one every 100 ms up to and including t=1000");
    assert.equal(stats.ok + stats.failed, 11);
    assert.deepEqual(stats.byStatus, { "200": 7, "503": 4 });
    advance(1_000);
    assert.equal(load.stats().sent, 11, "nothing is sent after stop");
  });

  it("never has more than maxInFlight requests open and counts the rest as dropped", async () => {
    const { clock, advance } = manualClock();
    const pending: Array<(status: number) => void> = [];
    const load = startLoad({ rate: 100, maxInFlight: 3, clock, send: () => new Promise((r) => pending.push(r)) });
    advance(95);
    assert.equal(load.stats().inFlight, 3);
    assert.equal(load.stats().dropped, 7);
    const stopped = load.stop(10_000);
    pending.forEach((answer) => answer(200));
    const stats = await stopped;
    assert.deepEqual([stats.sent, stats.ok, stats.inFlight], [3, 3, 0], "stop waits for the requests in flight");
  });

  it("counts a send that throws as a failure without an answer", async () => {
    const { clock, advance } = manualClock();
    const load = startLoad({ rate: 1, maxInFlight: 1, clock, send: async () => Promise.reject(new Error("boom")) });
    advance(0);
    await flush();
    const stats = await load.stop();
    assert.deepEqual([stats.failed, stats.byStatus.none], [1, 1]);
  });
});
