import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compose } from "./stack";
import type { Layer } from "./http/proxy-types";
import { ok, proxyRequest } from "./testing/requests";

describe("compose", () => {
  it("runs layers outermost first, then the inner handler, and unwinds in reverse", async () => {
    const trail: string[] = [];
    const layer = (name: string): Layer => (next) => async (req) => {
      trail.push(`${name}>`);
      const res = await next(req);
      trail.push(`<${name}`);
      return res;
    };
    await compose([layer("a"), layer("b")], async () => (trail.push("inner"), ok()))(proxyRequest());
    assert.deepEqual(trail, ["a>", "b>", "inner", "<b", "<a"]);
  });
});
