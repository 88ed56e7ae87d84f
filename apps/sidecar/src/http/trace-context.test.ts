import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isValidTraceparent, newTraceparent } from "./trace-context";

describe("trace context", () => {
  it("accepts a valid traceparent and rejects malformed ones", () => {
    assert.equal(isValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), true);
    assert.equal(isValidTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"), true);
    for (const bad of [
      "",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    ]) {
      assert.equal(isValidTraceparent(bad), false, bad);
    }
  });

  it("creates valid, distinct traceparents", () => {
    const a = newTraceparent();
    assert.equal(isValidTraceparent(a), true);
    assert.notEqual(a.slice(3, 35), newTraceparent().slice(3, 35));
  });
});
