import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { LightSignal } from "./light-signal";

describe("LightSignal", () => {
  it("calls onabort and each listener once, in order, with the reason set; removed and late listeners are not called", () => {
    const s = new LightSignal();
    const calls: string[] = [];
    const a = () => calls.push(`a:${String(s.reason)}`);
    const b = { handleEvent: (e: Event) => calls.push(`b:${e.type}`) };
    const c = () => calls.push("c");
    s.onabort = () => calls.push("onabort");
    s.addEventListener("abort", a);
    s.addEventListener("abort", a, { once: true });
    s.addEventListener("abort", b);
    s.addEventListener("abort", c);
    s.addEventListener("other", c);
    s.removeEventListener("abort", c);
    assert.equal(s.aborted, false);
    s.throwIfAborted();
    s.abort("why");
    s.abort("again");
    s.addEventListener("abort", c);
    assert.deepEqual(calls, ["onabort", "a:why", "b:abort"]);
    assert.equal(s.aborted, true);
    assert.equal(s.reason, "why");
    assert.throws(() => s.throwIfAborted(), (err) => err === "why");
  });

  it("cancels an undici request in flight with its reason", async () => {
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const s = new LightSignal();
      const pending = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: s });
      const reason = new Error("timed out here");
      setTimeout(() => s.abort(reason), 50);
      await assert.rejects(pending, (err) => err === reason);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
