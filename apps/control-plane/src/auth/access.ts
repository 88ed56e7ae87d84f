// The explicit allow-list: the only API routes that answer without a session or an API token.
// Everything else (including routes added later and unknown paths) needs one; handlers also check
// the role themselves (requireRole), so a route is never protected by the hook alone.

/** `METHOD /route/pattern`, as Fastify registered it (HEAD mirrors GET). */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  "GET /healthz",
  "HEAD /healthz",
  "POST /api/v1/session",
  // The sidecar API: sidecars cannot log in. Join tokens and mTLS (issue 6) will authenticate them;
  // until then this is a known gap, see docs/security.md.
  "POST /api/v1/sidecars/register",
  "POST /api/v1/sidecars/:id/heartbeat",
  "DELETE /api/v1/sidecars/:id",
  "GET /api/v1/sidecars/:id/config",
  "HEAD /api/v1/sidecars/:id/config",
  "POST /api/v1/sidecars/:id/ack",
  // The CA: a CSR is authorised by its join token (checked in that handler); the trust bundle is public.
  "POST /api/v1/ca/sign",
  "GET /api/v1/ca/bundle",
  "HEAD /api/v1/ca/bundle",
]);

export const routeKey = (method: string, url: string | undefined): string => `${method} ${url ?? "<no route>"}`;
export const isPublicRoute = (method: string, url: string | undefined): boolean => url !== undefined && PUBLIC_ROUTES.has(routeKey(method, url));
