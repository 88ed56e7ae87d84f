import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { responseClass, telemetryLayer } from "./telemetry";
import { responseClassOf } from "@trellis/mesh-model";
import { DeadlineExceededError, FaultAbortError, UnknownServiceError } from "../errors";
import type { RequestRecord } from "../telemetry/request-recorder";
import { ok, proxyRequest } from "../testing/requests";

const recording = () => {
  const records: RequestRecord[] = [];
  return { records, recorder: { record: (r: RequestRecord) => void records.push(r) } };
};

describe("telemetryLayer", () => {
  it("records a response without body at once, with its class", async () => {
    const { records, recorder } = recording();
    await telemetryLayer(recorder, () => {})(async () => ok(503))(proxyRequest());
    assert.equal(records.length, 1);
    assert.deepEqual({ ...records[0], durationMs: 0 }, {
      direction: "outbound",
      destinationService: "unknown",
      destinationVersion: "unknown",
      responseClass: "5xx",
      outcome: "ok",
      mtls: false,
      durationMs: 0,
    });
  });

  it("records a streamed response only when its body has finished", async () => {
    const { records, recorder } = recording();
    const body = new PassThrough();
    const res = await telemetryLayer(recorder, () => {})(async () => ({ status: 200, headers: {}, body }))(proxyRequest());
    assert.equal(records.length, 0);
    body.end("done");
    (res.body as PassThrough).resume();
    await new Promise((r) => setImmediate(r));
    assert.equal(records.length, 1);
    assert.equal(records[0]!.responseClass, "2xx");
  });

  it("records a broken response body as an error", async () => {
    const { records, recorder } = recording();
    const body = new PassThrough();
    await telemetryLayer(recorder, () => {})(async () => ({ status: 200, headers: {}, body }))(proxyRequest());
    body.destroy(new Error("reset"));
    await new Promise((r) => setImmediate(r));
    assert.equal(records[0]?.outcome, "error");
  });

  it("records a typed failure with its outcome and rethrows it", async () => {
    const { records, recorder } = recording();
    await assert.rejects(telemetryLayer(recorder, () => {})(() => Promise.reject(new UnknownServiceError("x")))(proxyRequest()), UnknownServiceError);
    assert.equal(records[0]?.outcome, "no_route");
    assert.equal(records[0]?.responseClass, "none");
  });

  it("never lets a failing recorder fail the request", async () => {
    let reported: unknown;
    const boom = { record: () => { throw new Error("exporter exploded"); } };
    const res = await telemetryLayer(boom, (e) => (reported = e))(async () => ok())(proxyRequest());
    assert.equal(res.status, 200);
    assert.match(String(reported), /exporter exploded/);
  });

  it("records a response after more than one try as retried, and a timeout as timed_out", async () => {
    const { records, recorder } = recording();
    const layer = telemetryLayer(recorder, () => {});
    await layer(async (req) => ((req.ctx.tries = 2), ok(200)))(proxyRequest());
    await layer(async (req) => ((req.ctx.tries = 1), ok(503)))(proxyRequest());
    await assert.rejects(layer(() => Promise.reject(new DeadlineExceededError("late")))(proxyRequest()));
    await assert.rejects(layer(() => Promise.reject(new FaultAbortError(503)))(proxyRequest()));
    assert.deepEqual(records.map((r) => [r.outcome, r.responseClass]), [["retried", "2xx"], ["ok", "5xx"], ["timed_out", "none"], ["error", "5xx"]]);
  });
});

describe("responseClass", () => {
  it("answers as mesh-model's responseClassOf for every status, with the same constant string each time", () => {
    for (const status of [undefined, -1, 0, 99.5, 100.5, 600.5, Number.NaN, ...Array.from({ length: 700 }, (_, i) => i)]) {
      assert.equal(responseClass(status), responseClassOf(status), `status ${status}`);
    }
    assert.equal(responseClass(200), responseClass(299));
  });
});
