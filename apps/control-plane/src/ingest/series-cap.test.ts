import assert from "node:assert/strict";
import { it } from "node:test";
import type { Outcome } from "@trellis/mesh-model";
import type { SeriesLabels } from "../db/repositories";
import { SERIES_IDLE_MS, SeriesCap } from "./series-cap";

const series = (destination: string, outcome: Outcome = "ok"): SeriesLabels => ({ source: "a", destination, destinationVersion: "v1", responseClass: "2xx", outcome, mtls: true });

it("admits known series and new ones up to the cap, refuses and counts the rest", () => {
  const cap = new SeriesCap(2);
  assert.equal(cap.admit(series("b"), 0), true);
  assert.equal(cap.admit(series("c"), 0), true);
  assert.equal(cap.admit(series("b"), 1), true, "a known series is always admitted");
  assert.equal(cap.admit(series("c", "error"), 1), false, "another outcome is another series");
  assert.equal(cap.admit(series("d"), 1), false);
  assert.deepEqual(cap.state, { used: 2, cap: 2, rejectedPoints: 2 });
});

it("frees the room of series idle for an hour", () => {
  const cap = new SeriesCap(1);
  cap.remember(series("b"), 0);
  assert.equal(cap.admit(series("c"), 10), false);
  cap.prune(SERIES_IDLE_MS);
  assert.equal(cap.state.used, 1, "not idle long enough yet");
  cap.prune(SERIES_IDLE_MS + 1);
  assert.equal(cap.admit(series("c"), SERIES_IDLE_MS + 1), true);
  assert.deepEqual(cap.state, { used: 1, cap: 1, rejectedPoints: 1 });
});
