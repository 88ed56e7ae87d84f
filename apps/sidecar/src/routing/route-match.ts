// Turns a compiled route's match (path, methods, headers) into one predicate, built once per
// bundle: regexes compiled, methods in a Set, so matching a request allocates nothing.
import type { CompiledRoute } from "@trellis/mesh-model";
import type { HeaderMap } from "../http/proxy-types";

export type RouteMatcher = (method: string, pathname: string, headers: HeaderMap) => boolean;

/** Thrown while building a snapshot; the bundle is NACKed with this message. */
export class InvalidRouteError extends Error {}

export function compileRouteMatcher(route: Pick<CompiledRoute, "path" | "methods" | "headers">, where: string): RouteMatcher {
  const path = compilePath(route.path, where);
  const methods = route.methods.length ? new Set<string>(route.methods) : null;
  const headers = route.headers.map((h, i) => compileHeader(h, `${where}.headers.${i}`));
  return (method, pathname, reqHeaders) => {
    if (methods && !methods.has(method)) return false;
    if (!path(pathname)) return false;
    for (let i = 0; i < headers.length; i++) if (!headers[i]!(reqHeaders)) return false;
    return true;
  };
}

function compilePath(p: CompiledRoute["path"], where: string): (pathname: string) => boolean {
  switch (p.kind) {
    case "any":
      return () => true;
    case "exact":
      return (s) => s === p.value;
    case "prefix":
      return prefixMatcher(p.value);
    case "regex": {
      // Full match, as Envoy and the Gateway API do: "/items/\d+" must not match "/items/1/x".
      const re = compileRegex(p.value, `${where}.path`);
      return (s) => re.test(s);
    }
  }
}

/** Prefix matches on segment boundaries: "/api" matches "/api" and "/api/x", not "/apix". */
function prefixMatcher(prefix: string): (pathname: string) => boolean {
  if (prefix === "/" || prefix.endsWith("/")) return (s) => s.startsWith(prefix);
  return (s) => s.startsWith(prefix) && (s.length === prefix.length || s.charCodeAt(prefix.length) === 47 /* "/" */);
}

function compileHeader(h: CompiledRoute["headers"][number], where: string): (headers: HeaderMap) => boolean {
  const name = h.name;
  switch (h.kind) {
    case "present":
      return (headers) => headers[name] !== undefined;
    case "absent":
      return (headers) => headers[name] === undefined;
    case "exact":
      return (headers) => headerValue(headers, name) === h.value;
    case "prefix":
      return (headers) => headerValue(headers, name)?.startsWith(h.value) === true;
    case "regex": {
      const re = compileRegex(h.value, where);
      return (headers) => {
        const v = headerValue(headers, name);
        return v !== undefined && re.test(v);
      };
    }
  }
}

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

function compileRegex(source: string, where: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new InvalidRouteError(`${where}: invalid regular expression ${JSON.stringify(source)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
