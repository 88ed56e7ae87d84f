// 100,000 generated paths against a deny rule: not one that reaches /admin, as a liberal app would
// read it, is allowed. The app model decodes percent-escapes repeatedly, takes backslashes as slashes,
// drops ;parameters, collapses slashes and resolves dot segments, i.e. every trick a server might play.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compileAuthorization, normalisePath, pathHasPrefix } from "@trellis/mesh-model";
import { decide } from "./authorize";

const policy = compileAuthorization({ service: "ledger", authorization: { rules: [{ action: "deny", path: { prefix: "/admin" } }] } }, { mtlsMode: "strict", authorizationDefault: "allow" });

function liberal(raw: string): string {
  let p = raw.split("?")[0]!;
  for (let i = 0; i < 4; i++) {
    const next = p.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    if (next === p) break;
    p = next;
  }
  const out: string[] = [];
  for (const seg of p.replaceAll("\\", "/").split("/")) {
    const s = seg.split(";")[0]!.replace(/\0.*$/, "");
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  return "/" + out.join("/");
}

const PIECES = ["admin", "ADMIN", "x", "..", ".", "", "%2e%2e", "%2E%2e", "%2e", "%61dmin", "adm%69n", "%2f", "%2F", "%5c", "\\", "%252e%252e", "%25", ";", "admin;x=1", "%00", "%20", "admin.", "~", "%7e", "a%2fb", "..;", "%2e%2e%2fadmin"];
const SEPARATORS = ["/", "//", "\\", "/./", "/../"];

describe("authorization over generated paths (property)", () => {
  it("never allows a path that reaches the denied prefix", () => {
    const path = fc
      .tuple(fc.constantFrom(...SEPARATORS), fc.array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPARATORS)), { maxLength: 6 }), fc.constantFrom("", "?a=/admin", "?x=%2e%2e"))
      .map(([lead, parts, query]) => lead + parts.map(([p, s]) => p + s).join("") + query);
    let allowed = 0;
    let refused = 0;
    fc.assert(
      fc.property(path, (raw) => {
        const n = normalisePath(raw);
        if (!n.ok) {
          refused++;
          return true;
        }
        if (!decide(policy, "billing", "GET", n.path, {}).allow) return true;
        allowed++;
        // Allowed: neither the forwarded path nor the raw one may lead an app to /admin.
        return !pathHasPrefix(liberal(n.path + n.query), "/admin") && !pathHasPrefix(liberal(raw), "/admin");
      }),
      { numRuns: 100_000, seed: 6 },
    );
    // The generator must exercise all three answers, or the property says little.
    assert.ok(allowed > 1_000 && refused > 1_000, `allowed ${allowed}, refused ${refused}`);
  });
});
