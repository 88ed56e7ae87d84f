import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forwardedLine, listeningEvent } from "./log-forward";

const at = () => new Date("2026-01-01T00:00:00.000Z");

describe("forwardedLine", () => {
  it("adds the child's name to its JSON events", () => {
    const out = forwardedLine("sidecar/catalog-v1", "stdout", '{"time":"t","level":"info","event":"registered"}', at);
    assert.deepEqual(JSON.parse(out ?? ""), { proc: "sidecar/catalog-v1", time: "t", level: "info", event: "registered" });
  });

  it("wraps plain text, at warn level when it came from stderr", () => {
    const out = JSON.parse(forwardedLine("console", "stderr", "Error: boom", at) ?? "");
    assert.deepEqual(out, { time: "2026-01-01T00:00:00.000Z", level: "warn", event: "output", proc: "console", stream: "stderr", message: "Error: boom" });
  });

  it("wraps JSON that is not an object, and drops blank lines", () => {
    assert.equal(JSON.parse(forwardedLine("x", "stdout", "[1,2]", at) ?? "").message, "[1,2]");
    assert.equal(forwardedLine("x", "stdout", "   ", at), undefined);
  });
});

describe("listeningEvent", () => {
  it("recognises only a JSON line whose event is listening", () => {
    assert.deepEqual(listeningEvent('{"event":"listening","port":4}'), { event: "listening", port: 4 });
    assert.equal(listeningEvent('{"event":"request","path":"/listening"}'), undefined);
    assert.equal(listeningEvent('not json "listening"'), undefined);
  });
});
