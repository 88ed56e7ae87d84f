// Where a request is going, from its request line: absolute-form as HTTP proxies receive it
// (`GET http://catalog/items`, what HTTP_PROXY clients send) or origin-form with the service in Host.
export interface RequestTarget {
  /** Lower-cased host without port or trailing dot: the destination service on the outbound side. */
  host: string;
  /** The authority as addressed (host[:port]); forwarded as the Host header. */
  authority: string;
  /** Origin-form: path and query. */
  path: string;
}

export type TargetResult = RequestTarget | { error: string };

export function parseRequestTarget(url: string | undefined, hostHeader: string | undefined): TargetResult {
  if (!url) return { error: "empty request target" };
  if (url.charCodeAt(0) === 47 /* "/" */) {
    if (!hostHeader) return { error: "origin-form request without a Host header: say which service to call" };
    return { host: hostOf(hostHeader), authority: hostHeader, path: url };
  }
  const scheme = url.indexOf("://");
  if (scheme < 0) return { error: `unsupported request target ${JSON.stringify(url.slice(0, 100))} (CONNECT and "*" are not proxied)` };
  if (url.slice(0, scheme).toLowerCase() !== "http") {
    return { error: `only http:// targets can be proxied, not ${url.slice(0, scheme)}://; the mesh encrypts between sidecars itself` };
  }
  const start = scheme + 3;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  let authority = url.slice(start, end);
  const at = authority.lastIndexOf("@");
  if (at >= 0) authority = authority.slice(at + 1);
  if (!authority) return { error: "absolute-form target without a host" };
  if (!isValidAuthority(authority)) return { error: `absolute-form target with an invalid host or port ${JSON.stringify(authority.slice(0, 100))}` };
  const rest = url.slice(end);
  const hash = rest.indexOf("#");
  const tail = hash >= 0 ? rest.slice(0, hash) : rest;
  const path = tail === "" ? "/" : tail.charCodeAt(0) === 63 /* ? */ ? `/${tail}` : tail;
  return { host: hostOf(authority), authority, path };
}

// A host name (letters, digits, ".", "-", "_", "~"; no percent-encoding: services have plain names),
// an IPv4 address or a bracketed IPv6 literal, then an optional port.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{0,5}))?$/;

/** An authority (Host header or absolute-form target) we can route by: `host[:port]`, port at most 65535. */
export function isValidAuthority(authority: string): boolean {
  const m = AUTHORITY.exec(authority);
  return m !== null && (m[1] === undefined || m[1] === "" || Number(m[1]) <= 65535);
}

/** "Catalog:8080" -> "catalog", "[::1]:80" -> "[::1]", "catalog." -> "catalog". */
export function hostOf(authority: string): string {
  let host: string;
  if (authority.charCodeAt(0) === 91 /* [ */) {
    const close = authority.indexOf("]");
    host = close < 0 ? authority : authority.slice(0, close + 1);
  } else {
    const colon = authority.indexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
  }
  if (host.endsWith(".")) host = host.slice(0, -1);
  return host.toLowerCase();
}
