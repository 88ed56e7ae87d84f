import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sampleSidecars } from "../../fixtures/sample-mesh";
import { filterSidecars, sidecarAddress, sortSidecars } from "./sidecars-table-model";

const all = sampleSidecars.sidecars;
const ids = (list: { instanceId: string }[]) => list.map((s) => s.instanceId);

describe("sidecars table model", () => {
  it("filters by instance, service, version or address, and by sync state", () => {
    assert.deepEqual(ids(filterSidecars(all, "checkout", "all")), ["checkout-1", "checkout-2"]);
    assert.deepEqual(ids(filterSidecars(all, ":16026", "all")), ["catalog-v2-1"]);
    assert.deepEqual(ids(filterSidecars(all, "", "rejected")), ["checkout-1"]);
  });

  it("sorts by service then instance, and by sync state worst first", () => {
    assert.deepEqual(ids(sortSidecars(all, "service", "asc")).slice(0, 3), ["catalog-v2-1", "checkout-1", "checkout-2"]);
    assert.deepEqual(ids(sortSidecars(all, "sync", "desc")).slice(0, 3), ["checkout-1", "reports-1", "checkout-2"]);
  });

  it("puts sidecars that never acknowledged a revision last", () => {
    assert.equal(ids(sortSidecars(all, "revision", "desc")).at(-1), "reports-1");
    assert.equal(ids(sortSidecars(all, "revision", "asc")).at(-1), "reports-1");
  });

  it("brackets IPv6 hosts in addresses", () => {
    assert.equal(sidecarAddress({ ...all[0]!, host: "::1" }), "[::1]:16006");
    assert.equal(sidecarAddress(all[0]!), "127.0.0.1:16006");
  });
});
