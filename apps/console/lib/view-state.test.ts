import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ZWindow } from "@trellis/mesh-model";
import {
  apiWindow, hrefKeepingGlobals, readChoice, refreshIntervalMs, withParam, withParams,
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
});
