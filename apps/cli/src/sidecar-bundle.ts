// The sidecar as `trellis` runs it: its source bundled into one ESM file by esbuild (the one tsx
// brings; nothing is downloaded), built on first use and again whenever a source file is newer.
// No tsx loader thread (a second V8 isolate) and nothing transpiled at start: less memory and less
// CPU per request than `node --import tsx` (docs/benchmarks.md, "Sidecar proxy").
import { mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { REPO_ROOT, TSX_LOADER } from "./paths";

export const SIDECAR_BUNDLE = path.join(REPO_ROOT, "apps/sidecar/dist/sidecar.mjs");
const SIDECAR_MAIN = path.join(REPO_ROOT, "apps/sidecar/src/main.ts");
/** What the bundle is made of (and how: this file's build options): a change in any of them rebuilds it. */
const SOURCES = ["apps/sidecar/src", "packages/mesh-model/src", "packages/mesh-model/package.json", "apps/sidecar/package.json", "package-lock.json", "apps/cli/src/sidecar-bundle.ts"].map((p) => path.join(REPO_ROOT, p));

let building: Promise<string> | undefined;

/** The bundle's path, built first when missing or stale (once per process, however many sidecars start). */
export function ensureSidecarBundle(): Promise<string> {
  building ??= build().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

async function build(): Promise<string> {
  if (!stale()) return SIDECAR_BUNDLE;
  // esbuild is tsx's dependency: resolve it from there rather than declaring a copy of our own.
  const requireFromTsx = createRequire(new URL(TSX_LOADER));
  const esbuild = requireFromTsx("esbuild") as typeof import("esbuild");
  mkdirSync(path.dirname(SIDECAR_BUNDLE), { recursive: true });
  // Written beside and renamed: a concurrent `trellis` never starts a half-written file.
  const tmp = `${SIDECAR_BUNDLE}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [SIDECAR_MAIN],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: tmp,
    logLevel: "warning",
    // Drops comments and whitespace (names are kept, so stacks still name functions): 3.4 -> 2.6 MB of
    // source, and with no non-Latin-1 comment left V8 holds it as a one-byte string: ~5 MB less RSS.
    minifyWhitespace: true,
    // CommonJS dependencies bundled into ESM still call require() for node's built-ins.
    banner: { js: "import { createRequire as __trellisCreateRequire } from 'node:module'; const require = __trellisCreateRequire(import.meta.url);" },
  });
  renameSync(tmp, SIDECAR_BUNDLE);
  return SIDECAR_BUNDLE;
}

function stale(): boolean {
  let built: number;
  try {
    built = statSync(SIDECAR_BUNDLE).mtimeMs;
  } catch {
    return true;
  }
  return SOURCES.some((p) => newerThan(p, built));
}

function newerThan(p: string, time: number): boolean {
  let st;
  try {
    st = statSync(p);
  } catch {
    return false;
  }
  if (!st.isDirectory()) return st.mtimeMs > time;
  return readdirSync(p).some((name) => newerThan(path.join(p, name), time));
}
