// Hop-by-hop headers describe one connection, not the message (RFC 9110 7.6.1): a proxy must not
// forward them, nor any header the Connection header names.
import type { IncomingHttpHeaders } from "node:http";
import type { HeaderMap } from "./proxy-types";

/** The standard hop-by-hop names, lower case (also used by upstream-try.ts, which builds response headers itself). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  // Node answers 100-continue to the client itself, and undici refuses to send the header.
  "expect",
]);

/** Returns a new header object without hop-by-hop headers; the input is left untouched. */
export function stripHopByHop(headers: IncomingHttpHeaders | HeaderMap): HeaderMap {
  const named = connectionTokens(headers.connection);
  const out: HeaderMap = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (named !== null && named.has(name))) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

// The usual values, answered without splitting: "keep-alive" names only a header already dropped.
const CLOSE_TOKENS: ReadonlySet<string> = new Set(["close"]);

/** The header names a Connection header names (lower case), or null when it names none we keep. */
export function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> | null {
  if (value === undefined || value === "keep-alive") return null;
  if (value === "close") return CLOSE_TOKENS;
  const text = Array.isArray(value) ? value.join(",") : value;
  const tokens = new Set<string>();
  for (const t of text.split(",")) {
    const name = t.trim().toLowerCase();
    if (name) tokens.add(name);
  }
  return tokens;
}
