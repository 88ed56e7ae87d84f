// `trellis control-plane|console|sidecar [flags]`: runs that app with the flags untouched (the app
// parses them and prints its own --help), forwards stop signals, and exits with the app's code.
import { spawn } from "node:child_process";
import { controlPlaneArgs, ENTRIES, sidecarArgs } from "../paths";
import { ensureSidecarBundle, SIDECAR_BUNDLE } from "../sidecar-bundle";
import type { CommandContext } from "./context";

export const PASSTHROUGH = {
  "control-plane": { summary: "Runs the control plane (REST API, OTLP/HTTP receiver, config push).", argv: (a: string[]) => controlPlaneArgs(a) },
  console: { summary: "Serves the built console (Next.js).", argv: (a: string[]) => [ENTRIES.consoleStart, ...a] },
  // The bundled sidecar (built on first use; see sidecar-bundle.ts), not the tsx-run source.
  sidecar: { summary: "Runs one sidecar beside an app.", argv: (a: string[]) => sidecarArgs(SIDECAR_BUNDLE, a) },
} as const;

export type PassthroughName = keyof typeof PASSTHROUGH;

export async function runPassthrough(name: PassthroughName, args: string[], ctx: CommandContext): Promise<number> {
  if (name === "sidecar") await ensureSidecarBundle();
  const help = args.includes("--help") || args.includes("-h");
  if (help) process.stdout.write(`trellis ${name}: ${PASSTHROUGH[name].summary} Every flag is passed to the app:\n\n`);
  // Its own process group, so a Ctrl-C reaches it once (from us) and it can stop cleanly.
  const child = spawn(process.execPath, PASSTHROUGH[name].argv(args), {
    cwd: ctx.cwd,
    env: { ...ctx.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  let forwarded = 0;
  const forward = (signal: NodeJS.Signals) => () => {
    forwarded++;
    try {
      process.kill(-(child.pid ?? 0), forwarded > 1 ? "SIGKILL" : signal);
    } catch {
      // already gone
    }
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward(signal));
  process.on("exit", () => {
    try {
      process.kill(-(child.pid ?? 0), "SIGKILL");
    } catch {
      // already gone
    }
  });
  return new Promise((resolve) => {
    child.once("error", (err) => {
      ctx.log.error("spawn_failed", { command: name, message: err.message });
      resolve(1);
    });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
