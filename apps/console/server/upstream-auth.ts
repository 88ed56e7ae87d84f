// What the console forwards to the control plane so that it can authenticate and check the origin:
// the session cookie (only ours, never other cookies of this host), an Authorization header a script
// sent, and the browser's Origin and Sec-Fetch-Site. The control plane decides; the console only relays.
import { SESSION_COOKIE } from "@trellis/mesh-model";

export function sessionCookieValue(cookieHeader: string | null): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === "" ? undefined : value;
    }
  }
  return undefined;
}

export function upstreamAuthHeaders(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  const authorization = request.headers.get("authorization");
  if (authorization !== null) headers.authorization = authorization;
  const session = sessionCookieValue(request.headers.get("cookie"));
  if (session !== undefined) headers.cookie = `${SESSION_COOKIE}=${session}`;
  for (const name of ["origin", "sec-fetch-site"]) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}
