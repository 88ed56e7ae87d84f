// The demo mesh: which services run, and how one instance starts: its sidecar first (on a port for
// the app chosen up front), then the app, pointed at that sidecar's outbound port.
import path from "node:path";
import { z } from "zod";
import { ENTRIES, nodeArgs, sidecarArgs } from "../paths";
import { ensureSidecarBundle } from "../sidecar-bundle";
import { freePort } from "../supervision/free-port";
import type { Supervisor } from "../supervision/supervisor";
import type { CommandContext } from "./context";
import { childEnv } from "./stack";

export interface DemoInstance {
  service: string;
  version: string;
}

/** Leaves first: a caller's sidecar finds its callee already registered. */
export const DEMO_MESH: readonly DemoInstance[] = [
  { service: "ratings", version: "v1" },
  { service: "reviews", version: "v1" },
  { service: "reviews", version: "v2" },
  { service: "catalog", version: "v1" },
  { service: "frontend", version: "v1" },
];

export const LOADGEN: DemoInstance = { service: "loadgen", version: "v1" };

const ZSidecarListening = z.object({ outboundPort: z.int(), inboundPort: z.int(), adminPort: z.int() });

export interface MeshOptions {
  apiUrl: string;
  /** Join token per service (the sidecar's identity for mutual TLS). */
  joinTokens: ReadonlyMap<string, string>;
  otlpUrl: string;
  dataDir: string;
  faultScale: number;
  logLevel: string;
  startTimeoutMs: number;
}

export interface StartedInstance extends DemoInstance {
  appPort: number;
  outboundPort: number;
  inboundPort: number;
  adminPort: number;
}

export async function startInstance(
  sup: Supervisor,
  ctx: CommandContext,
  inst: DemoInstance,
  o: MeshOptions,
  stopOrder: { app: number; sidecar: number },
  appArgs: readonly string[] = [],
  /** The app starts only once this settles (loadgen waits for the mesh; its sidecar need not). */
  appAfter: Promise<unknown> = Promise.resolve(),
): Promise<StartedInstance> {
  const id = `${inst.service}-${inst.version}`;
  const appPort = await freePort();
  const sidecar = ZSidecarListening.parse(
    await sup.start({
      name: `sidecar/${id}`,
      command: process.execPath,
      // The bundled sidecar, as it ships (built once on first use; see sidecar-bundle.ts).
      args: sidecarArgs(await ensureSidecarBundle(), [
        "--service", inst.service,
        "--version", inst.version,
        "--app-host", "127.0.0.1",
        "--app-port", String(appPort),
        "--outbound-port", "0",
        "--inbound-port", "0",
        "--admin-port", "0",
        "--bind-host", "127.0.0.1",
        "--advertise-host", "127.0.0.1",
        "--control-plane", o.apiUrl,
        "--otlp-endpoint", o.otlpUrl,
        // Stable ids: a rerun on the same database takes over its old registrations.
        "--instance-id", `demo-${id}`,
        "--cache-dir", path.join(o.dataDir, "sidecars", id),
        // A living mesh on a laptop: new traffic shows in the console within seconds (default 5s).
        "--metrics-interval", "2s",
        "--log-level", o.logLevel,
      ]),
      cwd: ctx.cwd,
      // The join token goes on the environment, not argv (which `ps` shows).
      env: { ...childEnv(ctx), TRELLIS_JOIN_TOKEN: joinTokenOf(o, inst.service) },
      listenTimeoutMs: o.startTimeoutMs,
      stopOrder: stopOrder.sidecar,
    }),
  );
  await appAfter;
  await sup.start({
    name: id,
    command: process.execPath,
    args: nodeArgs(ENTRIES.demo, [
      inst.service,
      "--version", inst.version,
      "--host", "127.0.0.1",
      "--port", String(appPort),
      "--outbound", `http://127.0.0.1:${sidecar.outboundPort}`,
      "--fault-scale", String(o.faultScale),
      "--log-level", o.logLevel,
      ...appArgs,
    ]),
    cwd: ctx.cwd,
    env: childEnv(ctx),
    listenTimeoutMs: o.startTimeoutMs,
    stopOrder: stopOrder.app,
  });
  return { ...inst, appPort, ...sidecar };
}

function joinTokenOf(o: MeshOptions, service: string): string {
  const token = o.joinTokens.get(service);
  if (token === undefined) throw new Error(`no join token was minted for ${service}`);
  return token;
}
