// The explicit allow-list: the only API routes that answer without a session or an API token.
// Everything else (including routes added later and unknown paths) needs one; handlers also check
// the role themselves (requireRole), so a route is never protected by the hook alone.

/** `METHOD /route/pattern`, as Fastify registered it (HEAD mirrors GET). */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  "GET /healthz",
  "HEAD /healthz",
  "POST /api/v1/session",
  // The CA: a CSR is authorised by its join token (checked in that handler); the trust bundle is public.
  "POST /api/v1/ca/sign",
  "GET /api/v1/ca/bundle",
  "HEAD /api/v1/ca/bundle",
]);

/**
 * The sidecar API: sidecars cannot log in, they present their join token (auth/sidecar-auth.ts), which
 * the hook verifies and each handler checks against the service and instance it acts on. An operator
 * with the editor role may call these routes too (an external endpoint registered by hand, a dead
 * instance removed), like any other change to the mesh.
 */
export const SIDECAR_ROUTES: ReadonlySet<string> = new Set([
  "POST /api/v1/sidecars/register",
  "POST /api/v1/sidecars/:id/heartbeat",
  "DELETE /api/v1/sidecars/:id",
  "GET /api/v1/sidecars/:id/config",
  "HEAD /api/v1/sidecars/:id/config",
  "POST /api/v1/sidecars/:id/ack",
]);

export const routeKey = (method: string, url: string | undefined): string => `${method} ${url ?? "<no route>"}`;
export const isPublicRoute = (method: string, url: string | undefined): boolean => url !== undefined && PUBLIC_ROUTES.has(routeKey(method, url));
export const isSidecarRoute = (method: string, url: string | undefined): boolean => url !== undefined && SIDECAR_ROUTES.has(routeKey(method, url));
