import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tracesExport } from "../../fixtures/otlp-exports";
import { normaliseTraces } from "./normalise-traces";
import { decodeTracesRequest } from "./otlp-proto";

describe("normaliseTraces", () => {
  it("accepts hex ids (JSON), bytes (protobuf) and base64 ids alike", () => {
    const json = tracesExport("client", 2, Date.parse("2026-02-01T12:00:00Z"));
    const out = normaliseTraces(json);
    assert.equal(out.acceptedSpans, 2);
    assert.equal(out.resources[0]!.spans[0]!.traceId, "5b8efff798038103d269b633813fc60c");
    const span = json.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    const bytes = normaliseTraces({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...span, traceId: Buffer.from(span.traceId, "hex"), spanId: Buffer.from(span.spanId, "hex") }] }] }] });
    const base64 = normaliseTraces({
      resourceSpans: [{ scopeSpans: [{ spans: [{ ...span, traceId: Buffer.from(span.traceId, "hex").toString("base64"), kind: "SPAN_KIND_CLIENT" }] }] }],
    });
    assert.equal(bytes.resources[0]!.spans[0]!.traceId, span.traceId);
    assert.equal(bytes.resources[0]!.spans[0]!.spanId, span.spanId);
    assert.equal(base64.resources[0]!.spans[0]!.traceId, span.traceId);
    assert.equal(base64.resources[0]!.spans[0]!.kind, 3);
  });

  it("rejects spans with bad ids or times and keeps the others", () => {
    const json = tracesExport("client", 4, Date.now());
    const spans = json.resourceSpans[0]!.scopeSpans[0]!.spans as Record<string, unknown>[];
    spans[0]!.traceId = "00000000000000000000000000000000";
    spans[1]!.spanId = "xyz";
    spans[2]!.endTimeUnixNano = "1";
    const out = normaliseTraces(json);
    assert.equal(out.acceptedSpans, 1);
    assert.equal(out.rejected.count, 3);
    assert.match(out.rejected.message(), /spans\.0: traceId/);
  });

  it("decodes an empty protobuf export and refuses an unsound structure", () => {
    assert.equal(normaliseTraces(decodeTracesRequest(new Uint8Array())).acceptedSpans, 0);
    assert.throws(() => normaliseTraces({ resourceSpans: [{ scopeSpans: {} }] }), { code: "invalid_body" });
  });
});
