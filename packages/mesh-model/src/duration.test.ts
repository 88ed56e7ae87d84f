import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { formatDuration, parseDuration, ZDuration } from "./duration";

describe("parseDuration", () => {
  it("reads every unit and compound forms", () => {
    const cases: [string, number][] = [
      ["0ms", 0],
      ["250ms", 250],
      ["2s", 2000],
      ["1.5s", 1500],
      ["0.25s", 250],
      ["1m", 60_000],
      ["1m30s", 90_000],
      ["1h", 3_600_000],
      ["1h2m3s4ms", 3_723_004],
      ["1.001s", 1001],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });

  it("rounds sub-millisecond amounts to whole milliseconds", () => {
    assert.equal(parseDuration("0.4ms"), 0);
    assert.equal(parseDuration("1.5ms"), 2);
    assert.equal(parseDuration("0.0005s"), 1);
  });

  it("rejects anything that is not a duration", () => {
    const bad = ["", "2", "s", "ms", "2 s", " 2s", "2s ", "-1s", "+1s", "1.s", ".5s", "2S", "2sec", "1w", "1m 30s", "1e3ms", "NaN", "Infinitys"];
    for (const text of bad) assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  });
});

describe("formatDuration", () => {
  it("writes durations the way an operator would", () => {
    const cases: [number, string][] = [
      [0, "0ms"],
      [1, "1ms"],
      [999, "999ms"],
      [1000, "1s"],
      [1500, "1.5s"],
      [59_999, "59.999s"],
      [60_000, "1m"],
      [90_000, "1m30s"],
      [90_500, "1m30.5s"],
      [61_001, "1m1.001s"],
      [60_250, "1m250ms"],
      [3_600_000, "60m"],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
  });

  it("round-trips whole milliseconds through parse", () => {
    const samples = [0, 1, 7, 250, 999, 1000, 1001, 1999, 2500, 15_000, 59_999, 60_000, 60_001, 61_234, 300_000, 3_599_999, 3_600_000, 86_400_000];
    // A deterministic spread as well, so the property is not only checked at hand-picked points.
    for (let x = 1; x < 86_400_000; x = Math.floor(x * 1.37) + 11) samples.push(x);
    for (const ms of samples) assert.equal(parseDuration(formatDuration(ms)), ms, `${ms} -> ${formatDuration(ms)}`);
  });

  it("is the canonical spelling: format(parse(s)) === s for canonical strings", () => {
    for (const text of ["0ms", "250ms", "2s", "1.5s", "1m", "1m30s", "2m500ms", "45m"]) {
      assert.equal(formatDuration(parseDuration(text)!), text);
    }
  });
});

describe("ZDuration", () => {
  it("accepts durations up to a day", () => {
    assert.equal(ZDuration.parse("24h"), "24h");
    assert.equal(ZDuration.parse("250ms"), "250ms");
  });

  it("rejects malformed and over-long durations with one clear message each", () => {
    const malformed = ZDuration.safeParse("2 seconds");
    assert.equal(malformed.success, false);
    assert.deepEqual(malformed.error?.issues.map((i) => i.message), ['must be a duration such as "250ms", "2s" or "1m30s"']);

    const long = ZDuration.safeParse("2000m");
    assert.equal(long.success, false);
    assert.deepEqual(long.error?.issues.map((i) => i.message), ["must be at most 24h"]);

    assert.equal(ZDuration.safeParse(2000).success, false);
  });
});

test("days are a unit, so look-back windows read naturally", () => {
  assert.equal(parseDuration("7d"), 7 * 86_400_000);
  assert.equal(parseDuration("1d12h"), 36 * 3_600_000);
});
