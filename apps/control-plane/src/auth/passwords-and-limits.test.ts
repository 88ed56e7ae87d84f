import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LoginLimiter } from "./login-limiter";
import { generatePassword, hashPassword, verifyPassword } from "./passwords";
import { safeEqual, sha256Hex } from "./secrets";

describe("passwords", () => {
  it("hashes with a fresh salt each time and verifies only the right password", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword("correct horse battery", a), true);
    assert.equal(await verifyPassword("correct horse batterY", a), false);
    assert.equal(await verifyPassword("", a), false);
  });

  it("refuses hashes it did not write, or with an absurd cost", async () => {
    for (const bad of ["", "plain", "bcrypt$x", "scrypt$16384$8$1$c2FsdA$", `scrypt$${1 << 24}$8$1$c2FsdA$${"A".repeat(43)}`]) {
      assert.equal(await verifyPassword("x", bad), false, bad);
    }
  });

  it("generates long random passwords, and compares secrets in constant time by hash", () => {
    const p = generatePassword();
    assert.equal(p.length, 24);
    assert.notEqual(p, generatePassword());
    assert.equal(sha256Hex("a").length, 64);
    assert.equal(safeEqual("token", "token"), true);
    assert.equal(safeEqual("token", "token2"), false);
  });
});

describe("LoginLimiter", () => {
  it("limits failures per username and per address in a sliding window", () => {
    let now = 0;
    const limiter = new LoginLimiter({ windowMs: 60_000, perUsername: 3, perAddress: 5 }, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.retryAfterSeconds("ada", "1.1.1.1"), 0);
      limiter.recordFailure("ada", "1.1.1.1");
      now += 1_000;
    }
    assert.equal(limiter.retryAfterSeconds("ada", "2.2.2.2"), 57, "the first failure leaves the window at 60 s");
    assert.equal(limiter.retryAfterSeconds("bob", "1.1.1.1"), 0, "another user from the same address");
    limiter.recordFailure("bob", "1.1.1.1");
    limiter.recordFailure("bob", "1.1.1.1");
    assert.ok(limiter.retryAfterSeconds("carol", "1.1.1.1") > 0, "five failures from one address");
    now += 60_000;
    assert.equal(limiter.retryAfterSeconds("ada", "1.1.1.1"), 0, "the window slid past");
  });

  it("clears a username's failures on success", () => {
    const limiter = new LoginLimiter({ windowMs: 60_000, perUsername: 2, perAddress: 100 }, () => 0);
    limiter.recordFailure("ada", "a");
    limiter.recordFailure("ada", "a");
    assert.ok(limiter.retryAfterSeconds("ada", "a") > 0);
    limiter.recordSuccess("ada");
    assert.equal(limiter.retryAfterSeconds("ada", "a"), 0);
  });
});
