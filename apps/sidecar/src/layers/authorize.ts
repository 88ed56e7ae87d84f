// Seam: service-to-service authorization (allow/deny policies, deny-by-default, audit mode). The
// next data-plane issue checks `req.ctx.source` against the bundle's policies here and throws
// DeniedError; until bundles carry policies, every request passes.
import type { Layer } from "../http/proxy-types";

export function authorizeLayer(): Layer {
  return (next) => next;
}
