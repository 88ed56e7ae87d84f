// Next.js proxy (formerly middleware), on every request but built static files: a per-request CSP
// nonce, and page requests without a valid session are sent to /login. The session is checked with
// the control plane (GET /api/v1/session), which stays the authority: every API call it answers is
// checked again there, so skipping this proxy (x-middleware-subrequest tricks) exposes no data.
import { NextResponse, type NextRequest } from "next/server";
import { AUTH_API, SESSION_COOKIE } from "@trellis/mesh-model";
import { consoleServerConfig } from "./server/config";
import { API_CSP, newNonce, pageCsp } from "./server/security-headers";

/** Pages and files anyone may fetch: the login page and the icon. */
const PUBLIC_PATHS = new Set(["/login", "/icon.svg", "/favicon.ico", "/robots.txt"]);
/** Served by route handlers that answer for themselves (the API is checked by the control plane). */
const HANDLER_PREFIXES = ["/api/", "/healthz", "/livez"];

async function hasSession(request: NextRequest): Promise<boolean> {
  const session = request.cookies.get(SESSION_COOKIE)?.value;
  if (!session) return false;
  const { apiUrl, upstreamTimeoutMs } = consoleServerConfig();
  try {
    const res = await fetch(`${apiUrl}${AUTH_API.session}`, {
      headers: { cookie: `${SESSION_COOKIE}=${session}`, accept: "application/json" },
      signal: AbortSignal.timeout(upstreamTimeoutMs),
      cache: "no-store",
    });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    // Unreachable control plane: no page without a session it confirmed (fail closed).
    return false;
  }
}

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const path = request.nextUrl.pathname;
  if (HANDLER_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`))) {
    const response = NextResponse.next();
    response.headers.set("Content-Security-Policy", API_CSP);
    return response;
  }
  if (!PUBLIC_PATHS.has(path) && !(await hasSession(request))) {
    // On the host the browser used (its Host header): behind Next the request URL's host is the bind
    // address, and the session cookie belongs to the former.
    const next = `${path}${request.nextUrl.search}`;
    const login = new URL(path === "/" && request.nextUrl.search === "" ? "/login" : `/login?next=${encodeURIComponent(next)}`, `${request.nextUrl.protocol}//${request.headers.get("host") ?? request.nextUrl.host}`);
    const response = NextResponse.redirect(login, 307);
    response.headers.set("Content-Security-Policy", API_CSP);
    response.headers.set("Cache-Control", "no-store");
    return response;
  }
  const nonce = newNonce();
  const csp = pageCsp(nonce, process.env.NODE_ENV === "development");
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image).*)"],
};
