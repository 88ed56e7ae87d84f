import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { issuesUnder, specRelative } from "./issues";

const issue = (path: string) => ({ path, code: "x", message: "m" });

describe("policy issue placement", () => {
  it("takes the issues at a path and below it, not its namesakes", () => {
    const all = [issue("routes.1"), issue("routes.1.backends.0.version"), issue("routes.10.match"), issue("retry.attempts")];
    assert.deepEqual(issuesUnder(all, "routes.1").map((i) => i.path), ["routes.1", "routes.1.backends.0.version"]);
  });

  it("reads a PUT body issue's path relative to the spec", () => {
    assert.equal(specRelative("spec.retry.attempts"), "retry.attempts");
    assert.equal(specRelative("spec"), "");
    assert.equal(specRelative("message"), "message");
    assert.equal(specRelative(undefined), "");
  });
});
