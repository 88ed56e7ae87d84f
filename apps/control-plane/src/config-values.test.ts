import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseByteSize, parseSpan } from "./config-values";

describe("parseSpan", () => {
  it("reads single and compound units up to days", () => {
    assert.equal(parseSpan("250ms"), 250);
    assert.equal(parseSpan("15s"), 15_000);
    assert.equal(parseSpan("6h"), 6 * 3_600_000);
    assert.equal(parseSpan("7d"), 7 * 86_400_000);
    assert.equal(parseSpan("1h30m"), 5_400_000);
    assert.equal(parseSpan("1.5s"), 1500);
  });
  it("rejects anything else", () => {
    for (const bad of ["", "15", "s", "15 s", "-1s", "1w", "1s2", "abc"]) assert.equal(parseSpan(bad), undefined, bad);
  });
});

describe("parseByteSize", () => {
  it("reads plain bytes and binary or decimal units", () => {
    assert.equal(parseByteSize("1000"), 1000);
    assert.equal(parseByteSize("4MiB"), 4 * 1024 * 1024);
    assert.equal(parseByteSize("64KiB"), 65_536);
    assert.equal(parseByteSize("1.5kb"), 1500);
    assert.equal(parseByteSize("2 MB"), 2_000_000);
  });
  it("rejects anything else", () => {
    for (const bad of ["", "MiB", "4XB", "-1", "1e3", "4 MiB extra"]) assert.equal(parseByteSize(bad), undefined, bad);
  });
});
