import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { normalisePath, pathHasPrefix } from "./normalise-path";

const path = (target: string): string => {
  const n = normalisePath(target);
  assert.ok(n.ok, `${target}: ${n.ok ? "" : n.reason}`);
  return n.path + n.query;
};
const refused = (target: string): string => {
  const n = normalisePath(target);
  assert.ok(!n.ok, `${target} was accepted as ${n.ok ? n.path : ""}`);
  return n.reason;
};

describe("normalisePath", () => {
  it("resolves dot segments, collapses slashes and clamps .. at the root", () => {
    assert.equal(path("/a/./b/../c"), "/a/c");
    assert.equal(path("//admin///x"), "/admin/x");
    assert.equal(path("/../../admin"), "/admin");
    assert.equal(path("/a/b/.."), "/a/");
    assert.equal(path("/a/b/."), "/a/b/");
    assert.equal(path("/"), "/");
    assert.equal(path("/.."), "/");
  });

  it("reads backslashes as slashes and decodes percent-encoded unreserved characters (dots too)", () => {
    assert.equal(path("/a\\..\\admin"), "/admin");
    assert.equal(path("/%2e%2E/admin"), "/admin");
    assert.equal(path("/%61dmin"), "/admin");
    assert.equal(path("/a%7e"), "/a~");
  });

  it("keeps other escapes, upper-cased, and leaves the query alone", () => {
    assert.equal(path("/a%20b/%c3%a9"), "/a%20b/%C3%A9");
    assert.equal(path("/x?next=/../admin&y=%2F"), "/x?next=/../admin&y=%2F");
  });

  it("refuses what two parsers could read differently", () => {
    assert.match(refused("/admin%2Fx"), /encoded slash/);
    assert.match(refused("/admin%5cx"), /encoded slash/);
    assert.match(refused("/%252e%252e/admin"), /double encoding/);
    assert.match(refused("/admin;jsessionid=1"), /path parameter/);
    assert.match(refused("/a%zz"), /malformed/);
    assert.match(refused("/a%2"), /malformed/);
    assert.match(refused("/a%00"), /control/);
    assert.match(refused("/a b"), /control, space/);
    assert.match(refused("/a#b"), /fragment/);
    assert.match(refused("admin"), /start with/);
  });
});

describe("pathHasPrefix", () => {
  it("matches on segment boundaries", () => {
    assert.equal(pathHasPrefix("/admin", "/admin"), true);
    assert.equal(pathHasPrefix("/admin/x", "/admin"), true);
    assert.equal(pathHasPrefix("/administrator", "/admin"), false);
    assert.equal(pathHasPrefix("/admin/x", "/admin/"), true);
    assert.equal(pathHasPrefix("/anything", "/"), true);
  });
});
