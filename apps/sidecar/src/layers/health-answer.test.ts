import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { silentLogger } from "../log";
import { compose } from "../stack";
import { ok, proxyRequest } from "../testing/requests";
import { healthAnswerLayer } from "./health-answer";
import { rescueLayer } from "./rescue";

describe("health answer layer", () => {
  it("passes health checks to the app, and refuses them with 503 draining while the sidecar drains", async () => {
    let draining = false;
    const handle = compose([rescueLayer(silentLogger), healthAnswerLayer(() => draining)], async () => ok(200));
    const check = () => proxyRequest({ path: "/healthz", headers: { "x-trellis-health-check": "1" }, ctx: { direction: "inbound" } });
    assert.equal((await handle(check())).status, 200);
    draining = true;
    const refused = await handle(check());
    assert.equal(refused.status, 503);
    assert.equal(refused.headers["x-trellis-error"], "draining");
    assert.equal((await handle(proxyRequest({ path: "/items", ctx: { direction: "inbound" } }))).status, 200, "ordinary requests still finish");
  });
});
