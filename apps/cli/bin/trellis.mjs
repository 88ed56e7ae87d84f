#!/usr/bin/env node
// The `trellis` command: registers tsx in this process and runs the TypeScript CLI (no build step).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
