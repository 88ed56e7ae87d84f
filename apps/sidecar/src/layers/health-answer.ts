// Inbound: a caller's health check (marked with x-trellis-health-check) goes on to the local app
// like any request, so it checks the app and this sidecar together; while this sidecar drains it
// is refused (503 draining), so callers take the endpoint out before it goes away.
import { DrainingError } from "../errors";
import type { Layer } from "../http/proxy-types";
import { HEADER_HEALTH_CHECK } from "../health/health-probe";

export function healthAnswerLayer(draining: () => boolean): Layer {
  return (next) => (req) => {
    if (req.headers[HEADER_HEALTH_CHECK] !== undefined && draining()) return Promise.reject(new DrainingError("this sidecar is draining"));
    return next(req);
  };
}
