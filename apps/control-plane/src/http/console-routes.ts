// The console's read API (mesh-model's CONSOLE_API) and the health check.
import { CONSOLE_API, SERIES_API, ZSeriesQuery, ZServiceName, ZWindowQuery, type SidecarsResponse } from "@trellis/mesh-model";
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import { requireRole } from "../auth/request-auth";
import type { IngestStats } from "../ingest/ingest-service";
import type { SeriesService } from "../topology/series-service";
import type { TopologyService } from "../topology/topology-service";
import { parseInput } from "./parse-input";

export interface HealthReport {
  status: "ok";
  database: string;
  /** The current mesh revision. */
  revision: number;
  /** Config streams open to this control plane. */
  configStreams: number;
  /** What the OTLP receiver accepted, rejected and stored since start. */
  ingest: IngestStats;
}

export interface ConsoleRouteDeps {
  topology: TopologyService;
  series: SeriesService;
  sidecars: () => Promise<SidecarsResponse>;
  /** Throws when the control plane cannot serve (the store is unreachable). */
  health: () => Promise<HealthReport>;
}

export function consoleRoutes(app: FastifyInstance, deps: ConsoleRouteDeps): void {
  app.get(CONSOLE_API.services, async (request) => {
    requireRole(request, "viewer");
    const { window } = parseInput(ZWindowQuery, request.query, "query");
    return deps.topology.services(window);
  });

  app.get(CONSOLE_API.graph, async (request) => {
    requireRole(request, "viewer");
    const { window } = parseInput(ZWindowQuery, request.query, "query");
    return deps.topology.graph(window);
  });

  app.get(SERIES_API.seriesRoute, async (request) => {
    requireRole(request, "viewer");
    const { name } = parseInput(z.object({ name: ZServiceName }), request.params, "params");
    return deps.series.series(name, parseInput(ZSeriesQuery, request.query, "query"));
  });

  app.get(CONSOLE_API.sidecars, async (request) => {
    requireRole(request, "viewer");
    return deps.sidecars();
  });

  // Public (auth/access.ts): load balancers and the console's /healthz probe it without credentials.
  app.get(CONSOLE_API.health, async () => deps.health());
}
