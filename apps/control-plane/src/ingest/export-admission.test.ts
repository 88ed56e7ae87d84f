import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OverloadedError, UnavailableError } from "../errors";
import { ExportAdmission } from "./export-admission";

describe("ExportAdmission", () => {
  it("admits up to the limit, sheds past it, and admits again once a slot is free", () => {
    const gate = new ExportAdmission(2);
    const a = gate.enter();
    const b = gate.enter();
    assert.throws(() => gate.enter(), OverloadedError);
    assert.equal(gate.shed, 1);
    a();
    a(); // leaving twice frees one slot only
    assert.equal(gate.current, 1);
    const c = gate.enter();
    assert.throws(() => gate.enter(), OverloadedError);
    assert.throws(() => gate.refuseIfFull(), OverloadedError);
    assert.equal(gate.shed, 3);
    b();
    gate.refuseIfFull();
    assert.equal(gate.current, 1, "refuseIfFull takes no slot");
    c();
    assert.equal(gate.current, 0);
    assert.equal(gate.shed, 3);
  });

  it("says the store is failing rather than busy while it is", () => {
    const gate = new ExportAdmission(1);
    gate.enter();
    gate.storeFailing = true;
    assert.throws(() => gate.enter(), UnavailableError);
    gate.storeFailing = false;
    assert.throws(() => gate.enter(), OverloadedError);
  });
});
