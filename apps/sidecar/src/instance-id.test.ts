import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ZInstanceId } from "@trellis/mesh-model";
import { deriveInstanceId } from "./instance-id";

describe("deriveInstanceId", () => {
  it("joins service, version, hostname and inbound port", () => {
    assert.equal(deriveInstanceId("catalog", "v2", "box-1.local", 15006), "catalog-v2-box-1.local-15006");
  });
  it("cleans and bounds odd hostnames so the id stays valid", () => {
    for (const host of ["_weird host!", "x".repeat(300), "..."]) {
      const id = deriveInstanceId("catalog", "v1", host, 1);
      assert.ok(ZInstanceId.safeParse(id).success, id);
      assert.ok(id.endsWith("-1"));
    }
  });
});
