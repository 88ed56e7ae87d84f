// Entry of one demo process: `demo <frontend|catalog|reviews|ratings|loadgen> [flags]`.
// Serves its routes, calls its dependencies through its own sidecar, and stops cleanly on SIGINT/SIGTERM.
import { parseDemoArgs, type DemoConfig } from "./config";
import { faultPlan } from "./faults";
import { UsageError, createLogger, type Logger } from "@trellis/process-kit";
import { startDemoServer, type Route } from "./http-server";
import { startLoad, type LoadGenerator } from "./loadgen/load-generator";
import { loadgenRoutes } from "./loadgen/routes";
import { createOutboundClient, type OutboundClient } from "./outbound";
import { catalogRoutes } from "./services/catalog";
import type { ServiceContext } from "./services/context";
import { frontendRoutes } from "./services/frontend";
import { ratingsRoutes } from "./services/ratings";
import { reviewsRoutes } from "./services/reviews";

function routesFor(config: DemoConfig, ctx: ServiceContext): Route[] {
  switch (config.service) {
    case "frontend":
      return frontendRoutes(ctx);
    case "catalog":
      return catalogRoutes(ctx);
    case "reviews":
      return reviewsRoutes(ctx);
    case "ratings":
      return ratingsRoutes();
    case "loadgen":
      return [];
  }
}

function startTraffic(config: DemoConfig, outbound: OutboundClient, logger: Logger): LoadGenerator {
  return startLoad({
    rate: config.rate,
    maxInFlight: config.maxInFlight,
    send: async () => {
      const res = await outbound.call(config.target, config.path);
      if (res.kind === "failure") logger.debug("loadgen.no_answer", { reason: res.reason });
      return res.kind === "response" ? res.status : undefined;
    },
  });
}

async function main(): Promise<void> {
  const parsed = parseDemoArgs(process.argv.slice(2), process.env);
  if ("help" in parsed) {
    process.stdout.write(parsed.help);
    return;
  }
  const config = parsed.config;
  const logger = createLogger({ service: config.service, version: config.version }, config.logLevel);
  const outbound = createOutboundClient(config.outbound, config.callTimeoutMs);
  const ctx: ServiceContext = { service: config.service, version: config.version, outbound, logger, random: Math.random };
  const load = config.service === "loadgen" ? startTraffic(config, outbound, logger) : undefined;
  const routes = load ? loadgenRoutes(load, config.target, config.rate) : routesFor(config, ctx);
  const server = await startDemoServer(
    { service: config.service, version: config.version, routes, faults: faultPlan(config), logger },
    config.host,
    config.port,
  );
  logger.info("listening", { host: config.host, port: server.port, outbound: config.outbound, faults: faultPlan(config) });
  if (load) logger.info("loadgen.started", { target: config.target, path: config.path, rate: config.rate });

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    if (load) logger.info("loadgen.summary", { reason, ...(await load.stop()) });
    await server.close();
    outbound.close();
    logger.info("stopped", { reason });
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  if (load && config.durationS > 0) setTimeout(() => void shutdown("duration elapsed"), config.durationS * 1000);
  if (load) {
    const every = setInterval(() => logger.info("loadgen.progress", { ...load.stats() }), 10_000);
    every.unref();
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`demo: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", event: "crashed", error: String(err) })}\n`);
  process.exit(1);
});
