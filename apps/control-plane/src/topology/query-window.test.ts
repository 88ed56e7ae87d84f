import assert from "node:assert/strict";
import { it } from "node:test";
import { coveredSeconds, queryWindow } from "./query-window";

const H = 3_600_000;

it("queryWindow picks 10 s buckets for short windows and aligns the range to them", () => {
  const now = Date.parse("2026-01-01T00:10:05Z");
  const w = queryWindow(5 * 60_000, now, 6 * H);
  assert.equal(w.resolution, 10);
  assert.equal(w.from.toISOString(), "2026-01-01T00:05:00.000Z");
  assert.equal(w.to.toISOString(), "2026-01-01T00:10:10.000Z");
  assert.equal(w.seconds, 305);
});

it("queryWindow picks minute buckets past an hour or past the 10 s retention", () => {
  const now = Date.parse("2026-01-01T12:00:30Z");
  assert.equal(queryWindow(24 * H, now, 6 * H).resolution, 60);
  assert.equal(queryWindow(30 * 60_000, now, 10 * 60_000).resolution, 60);
  const w = queryWindow(2 * H, now, 6 * H);
  assert.equal(w.from.toISOString(), "2026-01-01T10:00:00.000Z");
  assert.equal(w.to.toISOString(), "2026-01-01T12:01:00.000Z");
});

it("coveredSeconds starts at the earliest stored bucket when the data is younger than the window", () => {
  const now = Date.parse("2026-01-01T00:10:05Z");
  const w = queryWindow(5 * 60_000, now, 6 * H);
  assert.equal(coveredSeconds(w, null, now), 305, "no data: the whole window");
  assert.equal(coveredSeconds(w, new Date("2025-12-31T00:00:00Z"), now), 305, "older data: the whole window");
  assert.equal(coveredSeconds(w, new Date("2026-01-01T00:09:00Z"), now), 65);
  assert.equal(coveredSeconds(w, new Date("2026-01-01T00:10:05Z"), now), 1, "at least a second");
});
