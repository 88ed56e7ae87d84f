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
    assert.equal(gate.shed, 2);
    b();
    c();
    assert.equal(gate.current, 0);
    assert.equal(gate.shed, 2);
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

describe("ExportAdmission and the event loop's lag", () => {
  it("sheds while the loop lags and exports keep arriving, but always admits one alone", () => {
    let now = 0;
    const gate = new ExportAdmission({ limit: 10, overloaded: () => true, now: () => now });
    const a = gate.enter();
    assert.throws(() => gate.enter(), OverloadedError, "one in flight, admitted just now: shed");
    a();
    gate.enter()(); // nothing in flight: admitted whatever the lag
    const b = gate.enter();
    now += 2_000;
    const c = gate.enter(); // none admitted in the last second: the lag is someone else's
    assert.equal(gate.current, 2);
    b();
    c();
  });
});

describe("ExportAdmission's byte budget", () => {
  it("sheds an export whose declared bytes would pass the budget, and one that grows past it once read", () => {
    const gate = new ExportAdmission({ limit: 10, maxBytes: 1_000 });
    const a = gate.enter(600);
    assert.throws(() => gate.enter(500), OverloadedError, "declared: refused before reading");
    const b = gate.enter(100);
    assert.equal(gate.currentBytes, 700);
    assert.throws(() => b.grow(401), OverloadedError, "inflated past the budget: refused before decoding");
    assert.equal(gate.current, 1, "the refused export left");
    assert.equal(gate.currentBytes, 600);
    b(); // its answer frees nothing more
    assert.equal(gate.currentBytes, 600);
    a.grow(900);
    assert.equal(gate.currentBytes, 900);
    a();
    assert.equal(gate.currentBytes, 0);
    assert.equal(gate.shed, 2);
  });

  it("always admits one export alone, however large", () => {
    const gate = new ExportAdmission({ limit: 10, maxBytes: 1_000 });
    const a = gate.enter(5_000);
    a.grow(8_000);
    assert.throws(() => gate.enter(1), OverloadedError);
    a();
    gate.enter(0).grow(2_000);
  });
});

describe("ExportAdmission's adaptive limit", () => {
  /** A gate on a manual clock; `answer(ms)` admits `n` exports and answers them `ms` later. */
  function clocked(limit: number, targetMs: number) {
    let now = 0;
    const gate = new ExportAdmission({ limit, targetMs, now: () => now });
    const round = (n: number, ms: number) => {
      const leaves = Array.from({ length: n }, () => gate.enter());
      now += ms;
      for (const leave of leaves) leave();
    };
    return { gate, round, advance: (ms: number) => (now += ms) };
  }

  it("starts low, grows while exports are answered within the target, never past the ceiling", () => {
    const { gate, round } = clocked(16, 1_000);
    assert.equal(gate.currentLimit, 4);
    const four = Array.from({ length: 4 }, () => gate.enter());
    assert.throws(() => gate.enter(), OverloadedError);
    for (const leave of four) leave();
    const before = gate.currentLimit;
    for (let i = 0; i < 10; i++) gate.enter()(); // one at a time: the limit is not in use, so it does not grow
    assert.equal(gate.currentLimit, before);
    round(gate.currentLimit, 100);
    assert.ok(gate.currentLimit > 4, `grew: ${gate.currentLimit}`);
    for (let i = 0; i < 10; i++) round(gate.currentLimit, 100);
    assert.equal(gate.currentLimit, 16);
  });

  it("shrinks once per target span when answers are late, down to one, and grows back", () => {
    const { gate, round, advance } = clocked(64, 1_000);
    for (let i = 0; i < 20; i++) round(gate.currentLimit, 10);
    assert.equal(gate.currentLimit, 64);
    round(64, 5_000); // 64 late answers at once: one decrease, not 64
    assert.equal(gate.currentLimit, 44);
    for (let i = 0; i < 20; i++) {
      advance(1_000);
      round(gate.currentLimit, 2_000);
    }
    assert.equal(gate.currentLimit, 1);
    const one = gate.enter();
    assert.throws(() => gate.enter(), OverloadedError, "the limit of one holds");
    one();
    for (let i = 0; i < 30; i++) round(gate.currentLimit, 100);
    assert.ok(gate.currentLimit >= 4, `grew back: ${gate.currentLimit}`);
  });

  it("without a target keeps the configured limit", () => {
    const gate = new ExportAdmission({ limit: 8 });
    assert.equal(gate.currentLimit, 8);
  });
});
