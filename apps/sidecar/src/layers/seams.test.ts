// The layers the next data-plane issue fills in are, for now, exactly pass-through.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { authorizeLayer } from "./authorize";
import { perTryTimeoutLayer } from "./per-try-timeout";
import { requestTimeoutLayer } from "./request-timeout";
import { retryLayer } from "./retry";
import { ok, proxyRequest } from "../testing/requests";

describe("seam layers", () => {
  for (const [name, layer] of [["authorize", authorizeLayer], ["request timeout", requestTimeoutLayer], ["retry", retryLayer], ["per-try timeout", perTryTimeoutLayer]] as const) {
    it(`${name} passes requests and responses through`, async () => {
      const res = ok(204);
      const req = proxyRequest();
      let got: unknown;
      assert.equal(await layer()(async (r) => ((got = r), res))(req), res);
      assert.equal(got, req);
    });
  }
});
