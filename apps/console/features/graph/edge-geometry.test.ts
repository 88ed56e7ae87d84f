import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { midpointOf, polylinePath } from "./edge-geometry";

describe("edge geometry", () => {
  it("draws a straight route as one line", () => {
    assert.equal(polylinePath([{ x: 0, y: 0 }, { x: 100, y: 0 }]), "M 0 0 L 100 0");
  });

  it("rounds corners, never by more than half a segment", () => {
    const path = polylinePath([{ x: 0, y: 0 }, { x: 50, y: 0 }, { x: 50, y: 6 }, { x: 100, y: 6 }], 8);
    assert.equal(path, "M 0 0 L 47 0 Q 50 0 50 3 L 50 3 Q 50 6 53 6 L 100 6");
  });

  it("puts the label halfway along the route's length", () => {
    assert.deepEqual(midpointOf([{ x: 0, y: 0 }, { x: 100, y: 0 }]), { x: 50, y: 0 });
    assert.deepEqual(midpointOf([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 30 }]), { x: 10, y: 10 });
    assert.deepEqual(midpointOf([]), { x: 0, y: 0 });
  });
});
