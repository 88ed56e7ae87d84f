import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatAge, formatCount, formatMs, formatPercent, formatRate } from "./format";

describe("format", () => {
  it("formats request rates", () => {
    assert.deepEqual([0, 0.004, 0.42, 5, 12.34, 999.9, 1234].map(formatRate),
      ["0 rps", "<0.01 rps", "0.42 rps", "5 rps", "12.3 rps", "999.9 rps", "1.2k rps"]);
  });
  it("formats shares as percentages without claiming 100% too early", () => {
    assert.deepEqual([0, 0.00001, 0.0012, 0.123, 0.9996, 1].map(formatPercent),
      ["0%", "<0.01%", "0.12%", "12.3%", "99.9%", "100%"]);
  });
  it("formats latencies, with a dash for no data", () => {
    assert.deepEqual([0.84, 42.4, 1250, null].map(formatMs), ["0.8 ms", "42 ms", "1.25 s", "—"]);
  });
  it("formats ages relative to now", () => {
    const now = Date.parse("2025-01-01T12:00:00Z");
    assert.equal(formatAge("2025-01-01T12:00:00Z", now), "just now");
    assert.equal(formatAge("2025-01-01T11:59:48Z", now), "12s ago");
    assert.equal(formatAge("2025-01-01T11:57:00Z", now), "3m ago");
    assert.equal(formatAge("2024-12-30T12:00:00Z", now), "2d ago");
    assert.equal(formatAge("not a date", now), "—");
  });
  it("formats counts", () => {
    assert.deepEqual([3, 12_345, 2_500_000].map(formatCount), ["3", "12.3k", "2.5M"]);
  });
});
