// `trellis up`: the control plane and the console, nothing else.
import { existsSync, mkdirSync } from "node:fs";
import type { UpConfig } from "../config";
import { CONSOLE_BUILD_ID } from "../paths";
import { runSupervised } from "../supervision/run-supervised";
import type { CommandContext } from "./context";
import { startConsole, startControlPlane, urlFor } from "./stack";

export async function runUp(config: UpConfig, ctx: CommandContext): Promise<number> {
  if (!existsSync(CONSOLE_BUILD_ID)) {
    ctx.log.error("console_not_built", { message: "The console has no production build: run `npm run build -w @trellis/console` first." });
    return 1;
  }
  mkdirSync(config.dataDir, { recursive: true });
  return runSupervised(ctx.log, async (sup) => {
    const cp = await startControlPlane(sup, ctx, { ...config }, 0);
    const apiUrl = urlFor(config.apiHost, cp.apiPort);
    const consoleListening = await startConsole(
      sup,
      ctx,
      { host: config.consoleHost, port: config.consolePort, apiUrl, startTimeoutMs: config.startTimeoutMs },
      1,
    );
    const consoleUrl = urlFor(config.consoleHost, consoleListening.port);
    ctx.log.info("ready", {
      message: `Trellis is running: open ${consoleUrl} (Ctrl-C stops it)`,
      console: consoleUrl,
      api: apiUrl,
      otlp: urlFor(config.otlpHttpHost, cp.otlpHttpPort),
      apiPort: cp.apiPort,
      otlpHttpPort: cp.otlpHttpPort,
    });
  });
}
