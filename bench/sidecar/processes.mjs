// Child processes of the bench: started pinned to a core, logs kept (bounded), always stopped.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection } from "node:net";
import { createInterface } from "node:readline";

const running = new Set();

/** Starts `cmd args` under `taskset -c <core>`; taskset execs, so the pid is the program's own. */
export function startPinned(name, core, cmd, args, { cwd, env } = {}) {
  const child = spawn("taskset", ["-c", String(core), cmd, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const logs = [];
  const keep = (line) => {
    logs.push(line);
    if (logs.length > 400) logs.shift();
  };
  const lines = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    keep(line);
    for (const listener of lines) listener(line);
  });
  createInterface({ input: child.stderr }).on("line", keep);
  const exited = once(child, "exit");
  const proc = {
    name,
    child,
    pid: child.pid,
    logs,
    onLine: (listener) => lines.push(listener),
    /** Resolves with the first stdout JSON line whose event is `event`. */
    waitForEvent(event, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no "${event}" within ${timeoutMs} ms\n${logs.slice(-30).join("\n")}`)), timeoutMs);
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before "${event}"\n${logs.slice(-30).join("\n")}`));
        });
        proc.onLine((line) => {
          if (!line.includes(`"${event}"`)) return;
          try {
            const parsed = JSON.parse(line);
            if (parsed.event === event) {
              clearTimeout(timer);
              resolve(parsed);
            }
          } catch {
            // not JSON
          }
        });
      });
    },
    async stop() {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 8_000);
      await exited;
      clearTimeout(timer);
    },
    exited,
  };
  running.add(proc);
  return proc;
}

/** Kills whatever is still running (on error or interrupt), but `except`. */
export async function stopAllProcesses({ except } = {}) {
  await Promise.all([...running].filter((p) => p !== except).map((p) => p.stop()));
}

/** Runs a program to completion (pinned), with a time limit; resolves with its stdout. */
export async function runPinned(core, cmd, args, timeoutMs) {
  const child = spawn("taskset", ["-c", String(core), cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = await once(child, "exit");
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`);
  return stdout;
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
