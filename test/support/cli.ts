// Runs the `trellis` command through its bin shim, as a user would, and waits for its "ready" line.
// Tests that watch the process itself (its descendants, its exit code on SIGTERM) use this rather
// than startProcess, which owns the child's lifecycle.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { ROOT } from "./processes";

const MAX_LOG_LINES = 3000;

export interface CliRun<T> {
  cli: ChildProcess;
  /** Resolves with [code, signal] when the command exits. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The parsed "ready" line; rejects if the command exits first. */
  ready: Promise<T>;
  logs: string[];
  /** SIGKILLs the command if it is still running. */
  kill(): Promise<void>;
}

export function runTrellis<T>(args: string[], readySchema: z.ZodType<T>, env: Record<string, string> = {}): CliRun<T> {
  const logs: string[] = [];
  const cli = spawn(process.execPath, [path.join(ROOT, "apps/cli/bin/trellis.mjs"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const exited = once(cli, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > MAX_LOG_LINES) logs.shift();
  };
  const ready = new Promise<T>((resolve, reject) => {
    createInterface({ input: cli.stdout! }).on("line", (line) => {
      keep(line);
      if (line.includes('"event":"ready"')) resolve(readySchema.parse(JSON.parse(line)));
    });
    createInterface({ input: cli.stderr! }).on("line", keep);
    void exited.then(() => reject(new Error(`trellis ${args[0]} exited before ready:\n${logs.slice(-60).join("\n")}`)));
  });
  ready.catch(() => undefined);
  const kill = async () => {
    if (cli.exitCode !== null || cli.signalCode !== null) return;
    cli.kill("SIGKILL");
    await exited;
  };
  return { cli, exited, ready, logs, kill };
}
