// loadgen's own HTTP surface: /stats shows what it has sent (and /healthz comes with every server).
import type { Route } from "../http-server";
import type { LoadGenerator } from "./load-generator";

export function loadgenRoutes(load: LoadGenerator, target: string, rate: number): Route[] {
  return [{ method: "GET", pattern: "/stats", handler: async () => ({ status: 200, body: { target, rate, ...load.stats() } }) }];
}
