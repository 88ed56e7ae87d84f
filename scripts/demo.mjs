#!/usr/bin/env node
// `npm run demo [-- flags]`: builds the console when it has no build or its sources are newer than
// the build, then runs `trellis demo` with the same flags (see `npm run demo -- --help`).
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureConsoleBuild } from "./console-build.mjs";

const root = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const wantsConsole = !args.includes("--no-console") && !args.includes("--help") && !/^(0|false|no|off)$/i.test(process.env.TRELLIS_CONSOLE ?? "");

if (wantsConsole) await ensureConsoleBuild();

// Its own process group: a Ctrl-C reaches trellis once, from here, and trellis stops everything.
const child = spawn(process.execPath, [path.join(root, "apps/cli/bin/trellis.mjs"), "demo", ...args], {
  stdio: ["ignore", "inherit", "inherit"],
  detached: true,
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    try {
      process.kill(child.pid, signal);
    } catch {
      // already gone
    }
  });
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
