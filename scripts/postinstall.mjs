#!/usr/bin/env node
// npm's postinstall: generate the Prisma clients, then build the console, so that after `npm ci` the
// demo starts in seconds. TRELLIS_SKIP_CONSOLE_BUILD=1 skips the build (an install without the
// console's sources, such as a Docker dependency stage, skips it by itself).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { ensureConsoleBuild } from "./console-build.mjs";

const root = path.resolve(import.meta.dirname, "..");
const generate = spawnSync(process.execPath, [path.join(root, "apps/control-plane/scripts/prisma-generate.mjs")], { stdio: "inherit" });
if (generate.status !== 0) process.exit(generate.status ?? 1);

const skip = /^(1|true|yes)$/i.test(process.env.TRELLIS_SKIP_CONSOLE_BUILD ?? "");
if (!skip && existsSync(path.join(root, "apps/console/app"))) await ensureConsoleBuild();
