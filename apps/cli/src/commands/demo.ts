// `trellis demo`: the control plane, the console, every demo service with its own sidecar, and
// loadgen sending traffic through the mesh; prints where the console is once all of it listens.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { DemoConfig } from "../config";
import { CONSOLE_BUILD_ID } from "../paths";
import { runSupervised } from "../supervision/run-supervised";
import type { CommandContext } from "./context";
import { DEMO_MESH, LOADGEN, startInstance } from "./demo-mesh";
import { seedDemoPolicies } from "./demo-policies";
import { mintJoinTokens } from "./join-tokens";
import { startConsole, startControlPlane, urlFor } from "./stack";

/** Stopped first to last: traffic, then the apps, their sidecars, the console, the control plane. */
const STOP = { loadgen: { app: 5, sidecar: 4 }, mesh: { app: 3, sidecar: 2 }, console: 1, controlPlane: 0 };

export async function runDemo(config: DemoConfig, ctx: CommandContext): Promise<number> {
  if (config.console && !existsSync(CONSOLE_BUILD_ID)) {
    ctx.log.error("console_not_built", {
      message: "The console has no production build: run `npm run demo` (builds it first), or `npm run build -w @trellis/console`, or pass --no-console.",
    });
    return 1;
  }
  mkdirSync(config.dataDir, { recursive: true });
  if (config.fresh && config.databaseUrl.startsWith("file:")) {
    const file = config.databaseUrl.slice("file:".length);
    for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
    rmSync(path.join(config.dataDir, "sidecars"), { recursive: true, force: true });
  }
  ctx.log.info("starting", { command: "demo", dataDir: config.dataDir, databaseUrl: config.databaseUrl });

  // The operator's login and the demo's own API token: given in the environment, or new each run
  // (a given admin password is not printed; a generated one is, since nobody else knows it).
  const givenPassword = nonEmpty(ctx.env.TRELLIS_ADMIN_PASSWORD);
  const adminPassword = givenPassword ?? randomBytes(12).toString("base64url");
  const apiToken = nonEmpty(ctx.env.TRELLIS_API_TOKEN) ?? randomBytes(32).toString("base64url");

  return runSupervised(ctx.log, async (sup) => {
    const cp = await startControlPlane(
      sup,
      ctx,
      {
        apiHost: "127.0.0.1",
        apiPort: config.apiPort,
        otlpHttpHost: "127.0.0.1",
        otlpHttpPort: config.otlpHttpPort,
        databaseUrl: config.databaseUrl,
        logLevel: config.logLevel,
        startTimeoutMs: config.startTimeoutMs,
        env: { TRELLIS_ADMIN_PASSWORD: adminPassword, TRELLIS_API_TOKEN: apiToken },
      },
      STOP.controlPlane,
    );
    const apiUrl = urlFor("127.0.0.1", cp.apiPort);
    const otlpUrl = urlFor("127.0.0.1", cp.otlpHttpPort);
    const consoleStarted = config.console
      ? startConsole(sup, ctx, { host: "127.0.0.1", port: config.consolePort, apiUrl, startTimeoutMs: config.startTimeoutMs }, STOP.console)
      : Promise.resolve(undefined);
    // Every sidecar joins the mesh's CA with its service's token: the demo runs strict mutual TLS.
    const joinTokens = await mintJoinTokens(apiUrl, apiToken, [...DEMO_MESH, LOADGEN].map((i) => i.service));
    const mesh = { apiUrl, joinTokens, otlpUrl, dataDir: config.dataDir, faultScale: config.faultScale, logLevel: config.logLevel, startTimeoutMs: config.startTimeoutMs };
    const meshStarted = Promise.all(DEMO_MESH.map((inst) => startInstance(sup, ctx, inst, mesh, STOP.mesh)));
    // loadgen's sidecar starts beside the mesh; loadgen itself only once every service answers.
    const loadgenStarted = startInstance(sup, ctx, LOADGEN, mesh, STOP.loadgen, ["--rate", String(config.rate), "--target", "frontend"], meshStarted);
    const [services, loadgen] = await Promise.all([meshStarted, loadgenStarted]);
    // After the mesh registered, so that the policy's versions are known to the control plane.
    // A demo without its canary still runs: say why and go on.
    await seedDemoPolicies(apiUrl, apiToken).then(
      (applied) => applied && ctx.log.info("demo_policy_applied", { service: "reviews", message: "reviews v2 runs as a 20% canary" }),
      (err: unknown) => ctx.log.warn("demo_policy_failed", { message: String(err) }),
    );
    const consoleListening = await consoleStarted;
    const consoleUrl = consoleListening ? urlFor("127.0.0.1", consoleListening.port) : null;
    ctx.log.info("ready", {
      message: consoleUrl
        ? `Trellis demo is running: open ${consoleUrl}/login and log in as admin with ${givenPassword === undefined ? `the password ${adminPassword}` : "TRELLIS_ADMIN_PASSWORD"} (Ctrl-C stops it)`
        : "Trellis demo is running without the console (Ctrl-C stops it)",
      console: consoleUrl,
      login: consoleUrl ? `${consoleUrl}/login` : null,
      username: "admin",
      ...(givenPassword === undefined ? { password: adminPassword } : { passwordFrom: "TRELLIS_ADMIN_PASSWORD" }),
      api: apiUrl,
      otlp: otlpUrl,
      apiPort: cp.apiPort,
      otlpHttpPort: cp.otlpHttpPort,
      rate: config.rate,
      instances: [...services, loadgen],
    });
    if (process.stderr.isTTY) {
      const shownPassword = givenPassword === undefined ? adminPassword : "(from TRELLIS_ADMIN_PASSWORD)";
      process.stderr.write(
        `\n  Trellis demo is running.\n  Console: ${consoleUrl ?? "(not started)"}\n  Log in:  ${consoleUrl ? `${consoleUrl}/login` : "(no console)"}  as admin / ${shownPassword}\n  API:     ${apiUrl}\n  Stop:    Ctrl-C\n\n`,
      );
    }
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
