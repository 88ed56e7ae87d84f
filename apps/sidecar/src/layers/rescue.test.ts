import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rescueLayer, STATUS_BY_CODE } from "./rescue";
import { ClientAbortedError, DeadlineExceededError, FaultAbortError, NoEndpointsError, PerTryTimeoutError, UnknownServiceError, UpstreamConnectError } from "../errors";
import { silentLogger } from "../log";
import { ok, proxyRequest } from "../testing/requests";

const failWith = (err: unknown) => rescueLayer(silentLogger)(() => Promise.reject(err));

describe("rescueLayer", () => {
  it("passes responses through untouched", async () => {
    const res = ok(201);
    assert.equal(await rescueLayer(silentLogger)(async () => res)(proxyRequest()), res);
  });

  it("maps typed errors to a status, an x-trellis-error reason and an ApiError body", async () => {
    for (const [err, status, code] of [
      [new UnknownServiceError("nosuch"), 404, "unknown_service"],
      [new NoEndpointsError("none"), 503, "no_endpoints"],
      [new UpstreamConnectError("refused"), 502, "upstream_connect_failed"],
      [new ClientAbortedError("gone"), 499, "client_aborted"],
      [new DeadlineExceededError("late"), 504, "timed_out"],
      [new PerTryTimeoutError("slow try"), 504, "per_try_timeout"],
      [new FaultAbortError(418), 418, "fault_injected"],
    ] as const) {
      const res = await failWith(err)(proxyRequest());
      assert.equal(res.status, status);
      assert.equal(res.headers["x-trellis-error"], code);
      assert.equal(res.headers["x-request-id"], "req-test");
      assert.deepEqual(JSON.parse(Buffer.from(res.body as Uint8Array).toString()), { error: { code, message: err.message } });
    }
  });

  it("turns anything untyped into a 500 without leaking its message", async () => {
    const res = await failWith(new TypeError("secret detail"))(proxyRequest());
    assert.equal(res.status, 500);
    assert.equal(res.headers["x-trellis-error"], "internal");
    assert.doesNotMatch(Buffer.from(res.body as Uint8Array).toString(), /secret/);
  });

  it("has a status for every error code", () => {
    for (const status of Object.values(STATUS_BY_CODE)) assert.ok(status >= 400 && status <= 599);
  });
});
