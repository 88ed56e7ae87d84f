// Where the CLI finds the apps it runs: entries relative to the repository, and tsx's loader by an
// absolute URL so `node --import` works from any working directory.
import { readFileSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

export const ENTRIES = {
  controlPlane: path.join(REPO_ROOT, "apps/control-plane/src/main.ts"),
  sidecar: path.join(REPO_ROOT, "apps/sidecar/src/main.ts"),
  demo: path.join(REPO_ROOT, "apps/demo/src/main.ts"),
  consoleStart: path.join(REPO_ROOT, "apps/console/scripts/start.mjs"),
} as const;

export const CONSOLE_BUILD_ID = path.join(REPO_ROOT, "apps/console/.next/BUILD_ID");

export const TSX_LOADER = import.meta.resolve("tsx");

/** `node --import tsx <entry> ...args`, as an argv for spawn. */
export function nodeArgs(entry: string, args: readonly string[]): string[] {
  return ["--import", TSX_LOADER, entry, ...args];
}

/** V8 flags of the control plane's process (apps/control-plane/node-flags.json says why). */
export const CONTROL_PLANE_NODE_FLAGS: readonly string[] = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "apps/control-plane/node-flags.json"), "utf8")) as { flags: string[] }
).flags;

/** The argv that runs the control plane with its V8 flags. */
export function controlPlaneArgs(args: readonly string[]): string[] {
  return [...CONTROL_PLANE_NODE_FLAGS, ...nodeArgs(ENTRIES.controlPlane, args)];
}

/** V8 flags of every sidecar process (apps/sidecar/node-flags.json says why). */
export const SIDECAR_NODE_FLAGS: readonly string[] = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "apps/sidecar/node-flags.json"), "utf8")) as { flags: string[] }
).flags;

/** The argv that runs the bundled sidecar (`sidecar-bundle.ts`) with its V8 flags. */
export function sidecarArgs(bundle: string, args: readonly string[]): string[] {
  return [...SIDECAR_NODE_FLAGS, bundle, ...args];
}
