import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VersionSplit } from "./version-split";
import { RoundRobinBalancer } from "./round-robin";
import { toTarget } from "./balancer";

const lb = (version: string, ids: string[]) =>
  new RoundRobinBalancer(ids.map((id, i) => toTarget({ instanceId: id, version, host: "127.0.0.1", port: 20_000 + i, weight: 1, labels: {} })));

describe("VersionSplit", () => {
  it("shares traffic across versions by backend weight, then round robin within a version", () => {
    const byVersion = new Map([["v1", lb("v1", ["v1-a", "v1-b"])], ["v2", lb("v2", ["v2-a"])]]);
    const split = new VersionSplit([{ version: "v1", weight: 9000 }, { version: "v2", weight: 1000 }], byVersion);
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const id = split.pick()!.balancer!.pick()!.instanceId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { "v1-a": 450, "v1-b": 450, "v2-a": 100 });
  });

  it("keeps a version without endpoints in the split, so its share fails explicitly", () => {
    const split = new VersionSplit([{ version: "v1", weight: 5000 }, { version: "v2", weight: 5000 }], new Map([["v1", lb("v1", ["a"])]]));
    const choices = [split.pick()!, split.pick()!];
    assert.deepEqual(choices.map((c) => [c.version, c.balancer === undefined]).sort(), [["v1", false], ["v2", true]]);
  });

  it("never sends traffic to a 0-weight backend", () => {
    const byVersion = new Map([["v1", lb("v1", ["a"])], ["v2", lb("v2", ["b"])]]);
    const split = new VersionSplit([{ version: "v1", weight: 10000 }, { version: "v2", weight: 0 }], byVersion);
    for (let i = 0; i < 20; i++) assert.equal(split.pick()!.version, "v1");
  });
});
