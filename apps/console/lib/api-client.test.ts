import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ZGraphResponse, ZServicesResponse, ZSidecarsResponse } from "@trellis/mesh-model";
import { parseApiResponse } from "./api-client";
import { ApiSchemaError, ApiStatusError, ApiUnreachableError } from "./api-errors";
import { sampleGraph, sampleServices, sampleSidecars } from "../fixtures/sample-mesh";

describe("parseApiResponse", () => {
  it("accepts the sample mesh fixtures (they are valid API responses)", () => {
    assert.deepEqual(parseApiResponse(200, JSON.stringify(sampleGraph), ZGraphResponse, "graph"), sampleGraph);
    assert.deepEqual(parseApiResponse(200, JSON.stringify(sampleServices), ZServicesResponse, "services"), sampleServices);
    assert.deepEqual(parseApiResponse(200, JSON.stringify(sampleSidecars), ZSidecarsResponse, "sidecars"), sampleSidecars);
  });

  it("turns the proxy's upstream_unreachable body into ApiUnreachableError with its message", () => {
    const body = JSON.stringify({ error: { code: "upstream_unreachable", message: "The control plane at http://127.0.0.1:7070 is unreachable (ECONNREFUSED)." } });
    assert.throws(() => parseApiResponse(502, body, ZGraphResponse, "graph"), (e: unknown) =>
      e instanceof ApiUnreachableError && e.message.includes("http://127.0.0.1:7070"));
  });

  it("keeps the API's error code and path", () => {
    const body = JSON.stringify({ error: { code: "invalid_query", message: "window: must be a duration", path: "window" } });
    assert.throws(() => parseApiResponse(400, body, ZGraphResponse, "graph"), (e: unknown) =>
      e instanceof ApiStatusError && e.status === 400 && e.apiCode === "invalid_query" && e.path === "window");
  });

  it("reports a non-JSON error page by its status", () => {
    assert.throws(() => parseApiResponse(500, "<html>oops</html>", ZGraphResponse, "Service graph"), (e: unknown) =>
      e instanceof ApiStatusError && e.message === "Service graph: the API answered HTTP 500.");
  });

  it("rejects a 2xx body that does not match the schema", () => {
    assert.throws(() => parseApiResponse(200, JSON.stringify({ nodes: "nope" }), ZGraphResponse, "graph"), ApiSchemaError);
  });
});
