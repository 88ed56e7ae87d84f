// Builds the console (next build) when there is no build or when a console source is newer than it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const consoleDir = path.join(root, "apps/console");
const modelDir = path.join(root, "packages/mesh-model/src");
const buildId = path.join(consoleDir, ".next/BUILD_ID");
const GENERATED = /(\.tsbuildinfo|^next-env\.d\.ts)$/;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Not sources: tsc's incremental state (the typecheck suite writes it) and Next's generated types.
    if (entry.name === "node_modules" || entry.name.startsWith(".") || GENERATED.test(entry.name)) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function consoleBuildIsFresh() {
  if (!existsSync(buildId)) return false;
  const built = statSync(buildId).mtimeMs;
  return newestMtime(consoleDir) <= built && newestMtime(modelDir) <= built;
}

export async function ensureConsoleBuild() {
  if (consoleBuildIsFresh()) return;
  console.log("Building the console (next build)…");
  const r = spawnSync("npm", ["run", "build", "--workspace", "@trellis/console"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error(`console build failed with exit code ${r.status}`);
}
