import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ensureRequestIdentity, setForwarded } from "./mesh-headers";
import type { HeaderMap } from "./proxy-types";

describe("mesh headers", () => {
  it("adds x-request-id and traceparent when absent, keeps them when present", () => {
    const fresh: HeaderMap = {};
    const id = ensureRequestIdentity(fresh);
    assert.equal(fresh["x-request-id"], id);
    assert.match(String(fresh.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const given: HeaderMap = { "x-request-id": "abc", traceparent: tp, tracestate: "k=v" };
    assert.equal(ensureRequestIdentity(given), "abc");
    assert.deepEqual(given, { "x-request-id": "abc", traceparent: tp, tracestate: "k=v" });
  });

  it("replaces a malformed traceparent and drops its tracestate", () => {
    const h: HeaderMap = { traceparent: "garbage", tracestate: "k=v" };
    ensureRequestIdentity(h);
    assert.notEqual(h.traceparent, "garbage");
    assert.equal(h.tracestate, undefined);
  });

  it("appends to x-forwarded-for and keeps the first proto and host", () => {
    const h: HeaderMap = {};
    setForwarded(h, "127.0.0.1", "catalog");
    setForwarded(h, "10.0.0.2", "catalog:15006");
    assert.deepEqual(h, { "x-forwarded-for": "127.0.0.1, 10.0.0.2", "x-forwarded-proto": "http", "x-forwarded-host": "catalog" });
  });
});
