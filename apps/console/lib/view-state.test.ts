import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ZWindow } from "@trellis/mesh-model";
import {
  apiWindow, coveringWindow, customRangeChanges, hrefKeepingGlobals, readCustomRange, readChoice, refreshIntervalMs, withParam, withParams,
  WINDOW_CHOICES, REFRESH_CHOICES, DEFAULT_REFRESH, DEFAULT_WINDOW,
} from "./view-state";

describe("view state", () => {
  it("sends every window choice in a form the API accepts", () => {
    for (const choice of WINDOW_CHOICES) assert.equal(ZWindow.safeParse(apiWindow(choice)).success, true, choice);
    assert.equal(apiWindow("7d"), "168h");
  });

  it("reads choices and falls back on unknown or missing values", () => {
    const params = new URLSearchParams("window=1h&refresh=bogus");
    assert.equal(readChoice(params, "window", WINDOW_CHOICES, DEFAULT_WINDOW), "1h");
    assert.equal(readChoice(params, "refresh", REFRESH_CHOICES, DEFAULT_REFRESH), "5s");
    assert.equal(readChoice(params, "metric", ["rps", "errors"] as const, "rps"), "rps");
  });

  it("keeps defaults and empty values out of the URL and sorts keys for stable bookmarks", () => {
    const params = new URLSearchParams("window=1h&q=pay");
    assert.equal(withParam(params, "window", "5m", "5m"), "?q=pay");
    assert.equal(withParam(params, "q", ""), "?window=1h");
    assert.equal(withParam(params, "metric", "p99", "rps"), "?metric=p99&q=pay&window=1h");
    assert.equal(withParams(params, [["q", ""], ["window", "5m", "5m"]]), "");
  });

  it("carries window and refresh, and only those, to other pages", () => {
    const params = new URLSearchParams("window=6h&refresh=off&q=pay&sel=node%3Apay");
    assert.equal(hrefKeepingGlobals("/services", params), "/services?refresh=off&window=6h");
    assert.equal(hrefKeepingGlobals("/", new URLSearchParams("q=x")), "/");
    assert.equal(hrefKeepingGlobals("/", params, { sel: "node:pay" }), "/?refresh=off&sel=node%3Apay&window=6h");
  });

  it("turns refresh choices into intervals; off pauses", () => {
    assert.equal(refreshIntervalMs("off"), false);
    assert.equal(refreshIntervalMs("5s"), 5000);
  });

  it("reads a custom range from the URL, and refuses unusable ones", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    const good = new URLSearchParams("window=custom&from=2026-03-01T09:00:00.000Z&to=2026-03-01T10:30:00.000Z");
    assert.deepEqual(readCustomRange(good, now), { fromMs: Date.parse("2026-03-01T09:00:00Z"), toMs: Date.parse("2026-03-01T10:30:00Z") });
    for (const bad of [
      "window=1h&from=2026-03-01T09:00:00Z&to=2026-03-01T10:00:00Z",
      "window=custom&from=2026-03-01T10:00:00Z&to=2026-03-01T09:00:00Z",
      "window=custom&from=2026-02-01T10:00:00Z&to=2026-03-01T09:00:00Z",
      "window=custom&from=2026-03-02T10:00:00Z&to=2026-03-02T11:00:00Z",
      "window=custom&from=soon&to=2026-03-01T09:00:00Z",
      "window=custom",
    ]) assert.equal(readCustomRange(new URLSearchParams(bad), now), null, bad);
  });

  it("maps a custom range to the shortest look-back window reaching its start, and writes it to the URL", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    assert.equal(coveringWindow({ fromMs: now - 3 * 3_600_000, toMs: now - 3_600_000 }, now), "6h");
    assert.equal(coveringWindow({ fromMs: now - 10 * 86_400_000, toMs: now - 9 * 86_400_000 }, now), "7d");
    const changes = customRangeChanges({ fromMs: now - 3_600_000, toMs: now });
    assert.equal(withParams(new URLSearchParams("window=1h"), changes), "?from=2026-03-01T11%3A00%3A00.000Z&to=2026-03-01T12%3A00%3A00.000Z&window=custom");
    assert.equal(hrefKeepingGlobals("/services", new URLSearchParams(withParams(new URLSearchParams(), changes))), "/services?from=2026-03-01T11%3A00%3A00.000Z&to=2026-03-01T12%3A00%3A00.000Z&window=custom");
  });
});
