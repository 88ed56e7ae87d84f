import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isValidAuthority, parseRequestTarget } from "./request-target";

describe("parseRequestTarget", () => {
  it("reads absolute-form proxy requests", () => {
    assert.deepEqual(parseRequestTarget("http://catalog/items?x=1", "ignored"), { host: "catalog", authority: "catalog", path: "/items?x=1" });
    assert.deepEqual(parseRequestTarget("HTTP://Catalog:8080", undefined), { host: "catalog", authority: "Catalog:8080", path: "/" });
    assert.deepEqual(parseRequestTarget("http://catalog?q", undefined), { host: "catalog", authority: "catalog", path: "/?q" });
    assert.deepEqual(parseRequestTarget("http://user:pw@catalog/a#frag", undefined), { host: "catalog", authority: "catalog", path: "/a" });
  });

  it("reads origin-form requests with the service in Host, ignoring the port", () => {
    assert.deepEqual(parseRequestTarget("/items", "catalog:15001"), { host: "catalog", authority: "catalog:15001", path: "/items" });
    assert.deepEqual(parseRequestTarget("/", "catalog."), { host: "catalog", authority: "catalog.", path: "/" });
    assert.deepEqual(parseRequestTarget("/", "[::1]:80"), { host: "[::1]", authority: "[::1]:80", path: "/" });
  });

  it("refuses what it cannot proxy, saying why", () => {
    for (const [url, host, why] of [
      ["/items", undefined, /without a Host/],
      ["https://catalog/", undefined, /only http:\/\//],
      ["catalog:443", undefined, /CONNECT/],
      ["*", undefined, /unsupported/],
      ["http:///x", undefined, /without a host/],
      ["http://catalog:99999/", undefined, /invalid host or port/],
      ["http://[::1/", undefined, /invalid host or port/],
      ["http://cat%20alog/", undefined, /invalid host or port/],
      ["http://cat alog/", undefined, /invalid host or port/],
      ["http://catalog:8o/", undefined, /invalid host or port/],
    ] as const) {
      const r = parseRequestTarget(url, host);
      assert.ok("error" in r, url);
      assert.match(r.error, why);
    }
  });

  it("knows a routable authority", () => {
    for (const a of ["catalog", "Catalog:8080", "catalog.", "127.0.0.1:15001", "[::1]", "[::1]:80", "my_svc", "catalog:"]) assert.equal(isValidAuthority(a), true, a);
    for (const a of ["", "a b", "a/b", "a:65536", "a:1:2", "[::1", "::1", "a%20b", "a@b", "a\tb", "a:-1"]) assert.equal(isValidAuthority(a), false, a);
  });
});
