import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileService, type RouteSpec } from "@trellis/mesh-model";
import { compileRouteMatcher, InvalidRouteError } from "./route-match";

const routeOf = (spec: RouteSpec) => compileService({ service: "catalog", spec: { service: "catalog", routes: [spec] }, endpoints: [] }).routes[0]!;
const matcher = (spec: RouteSpec) => compileRouteMatcher(routeOf(spec), "services.catalog.routes.0");

describe("compileRouteMatcher", () => {
  it("matches anything without a match clause", () => {
    assert.equal(matcher({})("DELETE", "/whatever", {}), true);
  });

  it("matches exact paths", () => {
    const m = matcher({ match: { path: { exact: "/items" } } });
    assert.equal(m("GET", "/items", {}), true);
    assert.equal(m("GET", "/items/1", {}), false);
  });

  it("matches prefixes on path-segment boundaries", () => {
    const m = matcher({ match: { path: { prefix: "/api" } } });
    assert.deepEqual(["/api", "/api/x", "/apix", "/ap"].map((p) => m("GET", p, {})), [true, true, false, false]);
    const slash = matcher({ match: { path: { prefix: "/api/" } } });
    assert.deepEqual(["/api/", "/api/x", "/api"].map((p) => slash("GET", p, {})), [true, true, false]);
  });

  it("matches a regex against the whole path", () => {
    const m = matcher({ match: { path: { regex: "/items/\\d+" } } });
    assert.deepEqual(["/items/12", "/items/12/x", "/x/items/12"].map((p) => m("GET", p, {})), [true, false, false]);
  });

  it("matches methods and headers", () => {
    const m = matcher({
      match: {
        methods: ["GET", "HEAD"],
        headers: [{ name: "X-Canary", exact: "1" }, { name: "x-user", prefix: "team-" }, { name: "x-debug", present: false }],
      },
    });
    assert.equal(m("GET", "/", { "x-canary": "1", "x-user": "team-a" }), true);
    assert.equal(m("POST", "/", { "x-canary": "1", "x-user": "team-a" }), false);
    assert.equal(m("GET", "/", { "x-canary": "2", "x-user": "team-a" }), false);
    assert.equal(m("GET", "/", { "x-canary": "1", "x-user": "team-a", "x-debug": "y" }), false);
    assert.equal(m("GET", "/", { "x-canary": "1" }), false);
  });

  it("refuses an invalid regex that reached the bundle, naming where it is", () => {
    const route = { ...routeOf({}), path: { kind: "regex" as const, value: "(" } };
    assert.throws(() => compileRouteMatcher(route, "services.catalog.routes.0"), (err: unknown) => {
      assert.ok(err instanceof InvalidRouteError);
      assert.match(err.message, /^services\.catalog\.routes\.0\.path: invalid regular expression/);
      return true;
    });
  });
});
