// Starting the control plane and the console under a supervisor, reading their real ports from
// their listening lines (so port 0 works).
import { z } from "zod";
import { controlPlaneArgs, ENTRIES } from "../paths";
import type { Supervisor } from "../supervision/supervisor";
import type { CommandContext } from "./context";

const ZControlPlaneListening = z.object({ apiPort: z.int(), otlpHttpPort: z.int() });
const ZConsoleListening = z.object({ port: z.int() });

export interface ControlPlaneOptions {
  apiHost: string;
  apiPort: number;
  otlpHttpHost: string;
  otlpHttpPort: number;
  databaseUrl: string;
  logLevel: string;
  startTimeoutMs: number;
  /** Extra environment for the control plane only (secrets: never on argv, which `ps` shows). */
  env?: Record<string, string>;
}

export function childEnv(ctx: CommandContext): Record<string, string | undefined> {
  return { ...ctx.env, NEXT_TELEMETRY_DISABLED: "1" };
}

export async function startControlPlane(sup: Supervisor, ctx: CommandContext, o: ControlPlaneOptions, stopOrder: number) {
  const listening = await sup.start({
    name: "control-plane",
    command: process.execPath,
    args: controlPlaneArgs([
      "--api-host", o.apiHost,
      "--api-port", String(o.apiPort),
      "--otlp-http-host", o.otlpHttpHost,
      "--otlp-http-port", String(o.otlpHttpPort),
      "--database-url", o.databaseUrl,
      "--log-level", o.logLevel,
    ]),
    cwd: ctx.cwd,
    env: { ...childEnv(ctx), ...o.env },
    listenTimeoutMs: o.startTimeoutMs,
    stopOrder,
  });
  return ZControlPlaneListening.parse(listening);
}

export interface ConsoleOptions {
  host: string;
  port: number;
  apiUrl: string;
  startTimeoutMs: number;
}

export async function startConsole(sup: Supervisor, ctx: CommandContext, o: ConsoleOptions, stopOrder: number) {
  const listening = await sup.start({
    name: "console",
    command: process.execPath,
    args: [ENTRIES.consoleStart, "--host", o.host, "--port", String(o.port), "--api-url", o.apiUrl],
    cwd: ctx.cwd,
    env: childEnv(ctx),
    listenTimeoutMs: o.startTimeoutMs,
    stopOrder,
  });
  return ZConsoleListening.parse(listening);
}

/** An address a browser on this machine can open, for a host that may be a wildcard. */
export function urlFor(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}
