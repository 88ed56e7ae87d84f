import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sampleServices } from "../../fixtures/sample-mesh";
import { defaultDirection, filterServices, sortServices, successRate } from "./services-table-model";

const all = sampleServices.services;
const names = (list: { name: string }[]) => list.map((s) => s.name);

describe("services table model", () => {
  it("filters by name or version, and by health", () => {
    assert.deepEqual(names(filterServices(all, "CAT", "all")), ["catalog"]);
    assert.deepEqual(names(filterServices(all, "v2", "all")), ["catalog", "inventory"]);
    assert.deepEqual(names(filterServices(all, "", "failing")), ["payments"]);
    assert.deepEqual(filterServices(all, "nothing-like-this", "all"), []);
  });

  it("sorts by name and by numbers, biggest first by default", () => {
    assert.deepEqual(names(sortServices(all, "name", "asc")).slice(0, 3), ["catalog", "checkout", "frontend"]);
    assert.deepEqual(names(sortServices(all, "rps", "desc")).slice(0, 2), ["catalog", "frontend"]);
    assert.equal(defaultDirection("name"), "asc");
    assert.equal(defaultDirection("p99"), "desc");
  });

  it("puts services without traffic last in either direction", () => {
    assert.equal(names(sortServices(all, "p99", "desc")).at(-1), "reports");
    assert.equal(names(sortServices(all, "p99", "asc")).at(-1), "reports");
    assert.equal(names(sortServices(all, "success", "asc"))[0], "payments");
  });

  it("sorts health by severity, worst first when descending", () => {
    assert.deepEqual(names(sortServices(all, "health", "desc")).slice(0, 3), ["payments", "checkout", "reports"]);
  });

  it("has no success rate without traffic", () => {
    assert.equal(successRate(all.find((s) => s.name === "reports")!), null);
    assert.equal(successRate(all.find((s) => s.name === "payments")!), 0.78);
  });
});
