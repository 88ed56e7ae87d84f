// Property: for generated route tables and requests, the sidecar picks the same route as a plain
// reference model written with string operations only: the first rule whose method, path (exact;
// prefix on segment boundaries; regex over the whole path) and header conditions all hold.
import { describe, it } from "node:test";
import fc from "fast-check";
import { compileService, type HeaderMatch, type PathMatch, type RouteSpec } from "@trellis/mesh-model";
import type { HeaderMap } from "../http/proxy-types";
import { buildDestination, matchRoute } from "./route-table";

const SEGMENTS = ["a", "b", "api", "apix", "items", "1", "42", ""] as const;
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"] as const;
const HEADER_NAMES = ["x-a", "x-b"] as const;
const VALUES = ["1", "12", "team-a", "team-b", "x"] as const;

// Regex routes come from templates whose language the reference can decide without regexes.
interface RegexTemplate {
  source: string;
  accepts: (s: string) => boolean;
}
const digits = (s: string) => s.length > 0 && [...s].every((c) => c >= "0" && c <= "9");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const pathRegex = fc.oneof(
  // One of several literal paths.
  fc.uniqueArray(fc.constantFrom<string>("/a", "/a/b", "/api", "/items/1", "/"), { minLength: 1, maxLength: 3 }).map((ps): RegexTemplate => ({ source: ps.map(escape).join("|"), accepts: (s) => ps.includes(s) })),
  // A literal then anything.
  fc.constantFrom("/a", "/api", "/items/").map((p): RegexTemplate => ({ source: `${escape(p)}.*`, accepts: (s) => s.startsWith(p) })),
  // A literal segment then a number.
  fc.constantFrom("/items", "/a").map((p): RegexTemplate => ({ source: `${escape(p)}/\\d+`, accepts: (s) => s.startsWith(`${p}/`) && digits(s.slice(p.length + 1)) })),
);

type PathCase = { spec: PathMatch | undefined; accepts: (s: string) => boolean };
const somePath = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 3 }).map((segs) => `/${segs.join("/")}`);
const pathCase: fc.Arbitrary<PathCase> = fc.oneof(
  fc.constant<PathCase>({ spec: undefined, accepts: () => true }),
  somePath.map((p): PathCase => ({ spec: { exact: p }, accepts: (s) => s === p })),
  // Segment boundary: "/api" takes "/api" and "/api/…"; a prefix ending in "/" is a plain string prefix.
  somePath.map((p): PathCase => ({ spec: { prefix: p }, accepts: (s) => s === p || s.startsWith(p.endsWith("/") ? p : `${p}/`) })),
  pathRegex.map((r): PathCase => ({ spec: { regex: r.source }, accepts: r.accepts })),
);

type HeaderCase = { spec: HeaderMatch; accepts: (h: HeaderMap) => boolean };
const value = (h: HeaderMap, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v.join(",") : v;
};
const headerCase: fc.Arbitrary<HeaderCase> = fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.constantFrom(...VALUES), fc.nat(4)).map(([name, v, kind]): HeaderCase => {
  switch (kind) {
    case 0:
      return { spec: { name, exact: v }, accepts: (h) => value(h, name) === v };
    case 1:
      return { spec: { name, prefix: v.slice(0, 3) }, accepts: (h) => value(h, name)?.startsWith(v.slice(0, 3)) === true };
    case 2:
      return { spec: { name, present: true }, accepts: (h) => h[name] !== undefined };
    case 3:
      return { spec: { name, present: false }, accepts: (h) => h[name] === undefined };
    default:
      return { spec: { name, regex: `${escape(v)}|team-.` }, accepts: (h) => { const x = value(h, name); return x === v || (x !== undefined && x.length === 6 && x.startsWith("team-")); } };
  }
});

interface RuleCase {
  spec: RouteSpec;
  accepts: (method: string, path: string, headers: HeaderMap) => boolean;
}
const ruleCase = (i: number): fc.Arbitrary<RuleCase> =>
  fc.record({ path: pathCase, methods: fc.uniqueArray(fc.constantFrom(...METHODS), { maxLength: 3 }), headers: fc.array(headerCase, { maxLength: 2 }) }).map(({ path, methods, headers }) => ({
    spec: {
      name: `r${i}`,
      match: { ...(path.spec ? { path: path.spec } : {}), ...(methods.length ? { methods } : {}), ...(headers.length ? { headers: headers.map((h) => h.spec) } : {}) },
    },
    accepts: (method, p, h) => (methods.length === 0 || methods.some((m) => m === method)) && path.accepts(p) && headers.every((c) => c.accepts(h)),
  }));
const rules = fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleCase(i))));

const request = fc.record({
  method: fc.constantFrom(...METHODS),
  path: fc.oneof(somePath, fc.constantFrom("/items/1", "/items/12", "/items/1/x", "/apix/1", "/a/b", "/api/", "/items/")),
  headers: fc.dictionary(fc.constantFrom(...HEADER_NAMES), fc.oneof(fc.constantFrom(...VALUES), fc.array(fc.constantFrom(...VALUES), { minLength: 2, maxLength: 2 })), { maxKeys: 2 }),
});

describe("route matching (property)", () => {
  it("picks the first rule that the reference model accepts, or none", () => {
    fc.assert(
      fc.property(rules, fc.array(request, { minLength: 1, maxLength: 20 }), (cases, requests) => {
        const service = compileService({ service: "catalog", spec: { service: "catalog", routes: cases.map((c) => c.spec) }, endpoints: [] });
        const destination = buildDestination(service, "services.catalog");
        for (const r of requests) {
          const expected = cases.find((c) => c.accepts(r.method, r.path, r.headers))?.spec.name;
          const got = matchRoute(destination, r.method, r.path, r.headers)?.name;
          if (got !== expected) throw new Error(`${r.method} ${r.path} ${JSON.stringify(r.headers)}: got ${got}, expected ${expected}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
