import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ZHost, ZInstanceId, ZLabels, ZPort, ZServiceName, ZVersion } from "./identity";

function accepts(schema: { safeParse(v: unknown): { success: boolean } }, values: unknown[]): void {
  for (const v of values) assert.equal(schema.safeParse(v).success, true, `should accept ${JSON.stringify(v)}`);
}
function rejects(schema: { safeParse(v: unknown): { success: boolean } }, values: unknown[]): void {
  for (const v of values) assert.equal(schema.safeParse(v).success, false, `should reject ${JSON.stringify(v)}`);
}

describe("ZServiceName", () => {
  it("accepts DNS labels", () => accepts(ZServiceName, ["a", "0", "orders", "a-b", "web2", "a--b", "x".repeat(63)]));
  it("rejects anything else", () =>
    rejects(ZServiceName, ["", "A", "Orders", "-a", "a-", "a_b", "a.b", "a b", "x".repeat(64), "é", 1, null]));
});

describe("ZVersion", () => {
  it("accepts version labels", () => accepts(ZVersion, ["v1", "V2", "2024-11-01", "1.4.2-rc1", "a_b", "7", "x".repeat(63)]));
  it("rejects anything else", () => rejects(ZVersion, ["", ".v1", "v1.", "-v", "v1-", "v 1", "v/1", "x".repeat(64), 1]));
});

describe("ZInstanceId", () => {
  it("accepts instance ids", () => accepts(ZInstanceId, ["a", "orders-7f9c", "host.local:15006", "A_b-c.d:e", "x".repeat(128)]));
  it("rejects anything else", () => rejects(ZInstanceId, ["", "-a", ":a", "a/b", "a b", "x".repeat(129)]));
});

describe("addresses and labels", () => {
  it("bounds ports and hosts", () => {
    accepts(ZPort, [1, 80, 65535]);
    rejects(ZPort, [0, 65536, 1.5, "80"]);
    accepts(ZHost, ["127.0.0.1", "orders.internal", "::1"]);
    rejects(ZHost, ["", "x".repeat(256)]);
  });
  it("bounds label keys and values", () => {
    accepts(ZLabels, [{}, { zone: "a" }, { "app.kubernetes.io/name": "orders" }]);
    rejects(ZLabels, [{ "": "a" }, { ["k".repeat(64)]: "a" }, { k: "v".repeat(256) }, { k: 1 }]);
  });
});
