// The control plane process: parse flags and env, start, print one "listening" line with the real
// ports, and shut down cleanly on SIGTERM/SIGINT.
import { loadConfig } from "./config";
import { startControlPlane } from "./control-plane";
import { createLogger } from "./log";

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  const result = loadConfig(process.argv.slice(2), process.env, process.cwd());
  if (result.kind === "help") {
    process.stdout.write(`${result.text}\n`);
    return;
  }
  if (result.kind === "error") {
    process.stderr.write(`trellis control-plane: ${result.message}\nRun with --help for the flags.\n`);
    process.exitCode = 2;
    return;
  }
  const { config } = result;
  const log = createLogger({ level: config.logLevel });
  process.on("unhandledRejection", (err) => {
    log.error("unhandled_rejection", { err });
    process.exit(1);
  });

  let running;
  try {
    running = await startControlPlane({ config, log });
  } catch (err) {
    log.error("startup_failed", { err });
    process.exitCode = 1;
    return;
  }
  log.info("listening", {
    apiPort: running.apiPort,
    otlpHttpPort: running.otlpHttpPort,
    otlpGrpcPort: running.otlpGrpcPort,
    apiHost: config.apiHost,
    otlpHttpHost: config.otlpHttpHost,
    otlpGrpcHost: config.otlpGrpcHost,
    database: running.db.provider,
  });

  const stop = (signal: NodeJS.Signals) => {
    log.info("shutting_down", { signal });
    const timer = setTimeout(() => {
      log.error("shutdown_timed_out", { afterMs: SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    running.close().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error("shutdown_failed", { err });
        process.exit(1);
      },
    );
  };
  let signalled = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(1); // a second signal: stop waiting
      signalled = true;
      stop(signal);
    });
  }
}

void main();
