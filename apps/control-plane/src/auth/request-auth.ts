// Who is calling: a bearer token (Authorization) or the session cookie, resolved once per request by
// an onRequest hook that also refuses every non-public route without credentials. Handlers then
// call requireRole, which checks the role and, for a cookie-carrying change, the request's origin.
import { SESSION_COOKIE, roleAtLeast, type Principal, type Role } from "@trellis/mesh-model";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { isPublicRoute, isSidecarRoute } from "./access";
import { ForbiddenError, UnauthorizedError } from "./auth-errors";
import type { AuthService, Authenticated } from "./auth-service";
import { isJoinToken, type SidecarAuth, type SidecarCaller } from "./sidecar-auth";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the auth hook: null when the request carried no valid credentials. */
    auth: Authenticated | null;
    /** Why this cookie-carrying change is refused as cross-origin; null when it is not. */
    originProblem: string | null;
    /** Set by the auth hook on sidecar API routes: whom a sidecar's call acts for; null otherwise. */
    sidecar: SidecarCaller | null;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface RequestAuthDeps {
  auth: AuthService;
  /** Origins besides the request's own (Host / X-Forwarded-Host) that may send cookie-carrying changes. */
  allowedOrigins: readonly string[];
  sidecarAuth: SidecarAuth;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const cookie = header(request, "cookie");
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === "" ? undefined : value;
    }
  }
  return undefined;
}

function bearerOf(request: FastifyRequest): string | undefined {
  const authorization = header(request, "authorization");
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

/** The origins this request is same-origin with: its Host, and the console proxy's X-Forwarded-Host. */
function ownOrigins(request: FastifyRequest): Set<string> {
  const proto = header(request, "x-forwarded-proto") === "https" ? "https" : request.protocol;
  const hosts = [header(request, "host"), header(request, "x-forwarded-host")].filter((h): h is string => !!h);
  return new Set(hosts.map((h) => `${proto}://${h}`));
}

/**
 * For a request a browser may have sent with our cookie: Sec-Fetch-Site, when present, must be
 * same-origin, and Origin must be the request's own or an allowed one. A browser always sends one
 * of them on a state-changing fetch, so a cookie-carrying change with neither is refused too.
 */
export function crossOriginProblem(request: FastifyRequest, allowedOrigins: readonly string[], requireHeader: boolean): string | null {
  const site = header(request, "sec-fetch-site");
  if (site !== undefined && site !== "same-origin") return `Sec-Fetch-Site is ${JSON.stringify(site)}`;
  const origin = header(request, "origin");
  if (origin === undefined) return site === undefined && requireHeader ? "a change made with a session cookie must carry an Origin header" : null;
  if (allowedOrigins.includes(origin) || ownOrigins(request).has(origin)) return null;
  return `origin ${JSON.stringify(origin)} is not allowed`;
}

async function resolve(request: FastifyRequest, auth: AuthService): Promise<Authenticated | null> {
  const bearer = bearerOf(request);
  if (bearer !== undefined) return auth.fromToken(bearer);
  const cookie = sessionCookieOf(request);
  return cookie === undefined ? null : auth.fromSession(cookie);
}

export function installRequestAuth(app: FastifyInstance, deps: RequestAuthDeps): void {
  app.decorateRequest("auth", null);
  app.decorateRequest("originProblem", null);
  app.decorateRequest("sidecar", null);
  app.addHook("onRequest", async (request) => {
    const route = request.routeOptions.url;
    if (isPublicRoute(request.method, route)) return;
    if (isSidecarRoute(request.method, route)) {
      // Sidecars present their join token; other credentials are an operator's, checked as below.
      const bearer = bearerOf(request);
      if (isJoinToken(bearer)) {
        request.sidecar = await deps.sidecarAuth.verify(bearer);
        return;
      }
      if (bearer === undefined && sessionCookieOf(request) === undefined) {
        request.sidecar = deps.sidecarAuth.withoutJoinToken();
        return;
      }
    }
    request.auth = await resolve(request, deps.auth);
    if (request.auth === null) throw new UnauthorizedError();
    if (request.auth.principal.via === "session" && !SAFE_METHODS.has(request.method)) {
      request.originProblem = crossOriginProblem(request, deps.allowedOrigins, true);
      if (request.originProblem !== null) throw new ForbiddenError(`cross-origin change refused: ${request.originProblem}`);
    }
  });
}

/** The handlers' own check (the hook is not the only line): credentials, role, and origin for changes. */
export function requireRole(request: FastifyRequest, needed: Role): Principal {
  const auth = request.auth;
  if (!auth) throw new UnauthorizedError();
  if (request.originProblem !== null) throw new ForbiddenError(`cross-origin change refused: ${request.originProblem}`);
  if (auth.principal.via === "session" && !SAFE_METHODS.has(request.method) && header(request, "origin") === undefined && header(request, "sec-fetch-site") === undefined) {
    throw new ForbiddenError("cross-origin change refused: a change made with a session cookie must carry an Origin header");
  }
  if (!roleAtLeast(auth.principal.role, needed)) {
    throw new ForbiddenError(`this needs the ${needed} role; ${auth.principal.username} is ${auth.principal.role}`);
  }
  return auth.principal;
}

/** Any role; returns the whole authentication (with the session, if any). */
export function requireAuth(request: FastifyRequest): Authenticated {
  requireRole(request, "viewer");
  const auth = request.auth;
  if (!auth) throw new UnauthorizedError();
  return auth;
}

export const isHttps = (request: FastifyRequest): boolean => header(request, "x-forwarded-proto") === "https" || request.protocol === "https";
