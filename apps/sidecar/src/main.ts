// Entry point: `tsx apps/sidecar/src/main.ts --service <name> --app-port <port> [...]` (see --help).
// Prints one `listening` line once every port is bound; SIGTERM/SIGINT drain and exit.
import { parseConfig } from "./config";
import { createLogger } from "./log";
import { startSidecar } from "./sidecar";

const parsed = parseConfig(process.argv.slice(2), process.env);
if (parsed.kind === "help") {
  process.stdout.write(parsed.text);
  process.exit(0);
}
if (parsed.kind === "error") {
  process.stderr.write(`${parsed.message}\n`);
  process.exit(2);
}

const config = parsed.config;
/** Room for deregistering and flushing telemetry after the drain itself. */
const HARD_STOP_MARGIN_MS = 10_000;
const log = createLogger({ service: config.service, level: config.logLevel });

try {
  const sidecar = await startSidecar(config, { log });
  log.info("listening", {
    outboundPort: sidecar.ports.outbound,
    inboundPort: sidecar.ports.inbound,
    adminPort: sidecar.ports.admin,
    instanceId: sidecar.instanceId,
    version: config.version,
    cacheDir: sidecar.cacheDir,
  });
  const shutdown = (signal: string) => {
    log.info("shutdown_requested", { signal });
    // Draining is bounded; if something still hangs, exit anyway rather than ignore the signal.
    setTimeout(() => {
      log.error("shutdown_timeout", { afterMs: config.drainTimeoutMs + HARD_STOP_MARGIN_MS });
      process.exit(1);
    }, config.drainTimeoutMs + HARD_STOP_MARGIN_MS).unref();
    sidecar.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error("shutdown_failed", { error });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  log.error("startup_failed", { error });
  process.exit(1);
}
