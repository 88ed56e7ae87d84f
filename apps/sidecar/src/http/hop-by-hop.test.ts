import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { stripHopByHop } from "./hop-by-hop";

describe("stripHopByHop", () => {
  it("removes the standard hop-by-hop headers and those named in Connection", () => {
    const out = stripHopByHop({
      host: "catalog",
      connection: "keep-alive, X-Secret-Hop",
      "keep-alive": "timeout=5",
      "proxy-authorization": "Basic x",
      "proxy-connection": "keep-alive",
      te: "trailers",
      trailer: "x-checksum",
      "transfer-encoding": "chunked",
      upgrade: "websocket",
      expect: "100-continue",
      "x-secret-hop": "1",
      "content-type": "text/plain",
      "set-cookie": ["a=1", "b=2"],
    });
    assert.deepEqual(out, { host: "catalog", "content-type": "text/plain", "set-cookie": ["a=1", "b=2"] });
  });

  it("leaves its input alone", () => {
    const input = { connection: "close", accept: "*/*" };
    stripHopByHop(input);
    assert.deepEqual(input, { connection: "close", accept: "*/*" });
  });
});
