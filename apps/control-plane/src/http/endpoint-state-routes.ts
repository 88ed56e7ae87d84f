// GET /api/v1/services/:name/endpoints: a service's endpoints with the breaker state its callers'
// sidecars report (mesh-model's ENDPOINTS_API). Viewers may read it, like every console read.
import { ENDPOINTS_API, ZEndpointsQuery, ZServiceName } from "@trellis/mesh-model";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { requireRole } from "../auth/request-auth";
import type { EndpointStateService } from "../endpoint-state/endpoint-state-service";
import { parseInput } from "./parse-input";

export interface EndpointStateRouteDeps {
  endpointStates: Pick<EndpointStateService, "endpoints">;
}

export function endpointStateRoutes(app: FastifyInstance, deps: EndpointStateRouteDeps): void {
  app.get(ENDPOINTS_API.endpointsRoute, async (request) => {
    requireRole(request, "viewer");
    const { name } = parseInput(z.object({ name: ZServiceName }), request.params, "params");
    return deps.endpointStates.endpoints(name, parseInput(ZEndpointsQuery, request.query, "query"));
  });
}
