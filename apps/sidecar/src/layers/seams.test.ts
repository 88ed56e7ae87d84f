// The layers a later data-plane issue fills in are, for now, exactly pass-through.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { authorizeLayer } from "./authorize";
import { ok, proxyRequest } from "../testing/requests";

describe("seam layers", () => {
  it("authorize passes requests and responses through", async () => {
    const res = ok(204);
    const req = proxyRequest();
    let got: unknown;
    assert.equal(await authorizeLayer()(async (r) => ((got = r), res))(req), res);
    assert.equal(got, req);
  });
});
