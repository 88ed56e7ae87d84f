import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sampleServices } from "../../fixtures/sample-mesh";
import { toServiceSeries } from "./to-series";

describe("toServiceSeries", () => {
  it("orders services by request rate and leaves idle ones out", () => {
    const series = toServiceSeries(sampleServices.services, "rps");
    assert.deepEqual(series.map((b) => b.name), ["catalog", "frontend", "recommendations", "inventory", "checkout", "payments"]);
    assert.deepEqual(series[0], { name: "catalog", value: 61.5, health: "healthy" });
  });

  it("charts error rates as percentages, only for services that had errors", () => {
    const series = toServiceSeries(sampleServices.services, "errors");
    assert.deepEqual(series.map((b) => [b.name, +b.value.toFixed(2)]), [["payments", 22], ["checkout", 3.1], ["frontend", 0.2], ["catalog", 0.1]]);
  });

  it("caps the number of bars", () => {
    assert.equal(toServiceSeries(sampleServices.services, "rps", 2).length, 2);
    assert.deepEqual(toServiceSeries([], "rps"), []);
  });
});
