import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseByteSize } from "./byte-size";

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
