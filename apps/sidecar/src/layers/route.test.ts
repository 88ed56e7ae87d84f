import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { routeLayer } from "./route";
import { NoConfigError, NoRouteError, UnknownServiceError } from "../errors";
import type { ProxyRequest } from "../http/proxy-types";
import { buildSnapshot } from "../snapshot/snapshot";
import { makeBundle } from "../testing/bundles";
import { ok, proxyRequest } from "../testing/requests";

const snapshot = buildSnapshot(
  makeBundle(1, [
    {
      service: "catalog",
      endpoints: [{ port: 1 }],
      spec: {
        routes: [
          { name: "writes", match: { methods: ["POST"], path: { prefix: "/items" } } },
          { name: "reads", match: { path: { prefix: "/items" } } },
        ],
      },
    },
  ]),
  "control-plane",
);

describe("routeLayer", () => {
  const seen: ProxyRequest[] = [];
  const handler = routeLayer()(async (req) => {
    seen.push(req);
    return ok();
  });

  it("picks the destination by host and the first route that matches (ignoring the query)", async () => {
    await handler(proxyRequest({ method: "POST", path: "/items/1?x=y", snapshot }));
    await handler(proxyRequest({ method: "GET", path: "/items?x=y", snapshot }));
    assert.deepEqual(seen.map((r) => [r.ctx.destination?.name, r.ctx.route?.name]), [["catalog", "writes"], ["catalog", "reads"]]);
  });

  it("fails with unknown_service, no_route or no_config, never guessing", async () => {
    await assert.rejects(handler(proxyRequest({ host: "nosuch", snapshot })), UnknownServiceError);
    const req = proxyRequest({ path: "/other", snapshot });
    await assert.rejects(handler(req), (err: unknown) => err instanceof NoRouteError && /no route of service "catalog" matches GET \/other/.test(err.message));
    assert.equal(req.ctx.destination?.name, "catalog", "telemetry still learns the destination");
    await assert.rejects(handler(proxyRequest({})), NoConfigError);
  });
});
