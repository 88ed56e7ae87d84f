// Starts our real processes (control plane, sidecar, console, demo apps) for cross-process tests:
// waits for their "listening" log line, keeps their logs for failure messages, and kills them.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface Started {
  name: string;
  child: ChildProcess;
  /** The parsed `"event":"listening"` line. */
  listening: Record<string, unknown>;
  /** Every stdout/stderr line so far (bounded). */
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** A TypeScript entry, relative to the repo root, run with tsx. */
  entry: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** The event that means "up"; `listening` by default (`trellis demo` prints `ready`). */
  readyEvent?: string;
}

const MAX_LOG_LINES = 2000;

export async function startProcess(opts: StartOptions): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, opts.entry), ...(opts.args ?? [])], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const readyEvent = opts.readyEvent ?? "listening";
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > MAX_LOG_LINES) logs.shift();
  };
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${opts.name} did not print a ${readyEvent} line within ${opts.timeoutMs ?? 30_000} ms:\n${logs.slice(-40).join("\n")}`)),
      opts.timeoutMs ?? 30_000,
    );
    createInterface({ input: child.stdout! }).on("line", (line) => {
      keep(line);
      if (!line.includes(`"${readyEvent}"`)) return;
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event.event === readyEvent) {
          clearTimeout(timer);
          resolve(event);
        }
      } catch {
        // not JSON: an ordinary log line
      }
    });
    createInterface({ input: child.stderr! }).on("line", keep);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited (code ${code}, signal ${signal}) before ${readyEvent}:\n${logs.slice(-40).join("\n")}`));
    });
  });
  let stopped = false;
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (stopped || child.exitCode !== null || child.signalCode !== null) return;
    stopped = true;
    const exited = once(child, "exit");
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    return { name: opts.name, child, listening: await listening, logs, stop };
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
}

/** Stops every started process, last started first. */
export async function stopAll(started: ReadonlyArray<Started | undefined>): Promise<void> {
  for (const s of [...started].reverse()) await s?.stop();
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}
