// One supervised child process: spawned in its own process group (so stopping it also stops whatever
// it started, e.g. `next start`), its output forwarded line by line, and its "listening" line awaited.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { SupervisionError } from "./errors";
import { listeningEvent, type Stream } from "./log-forward";

export interface ChildSpec {
  /** Shown in every forwarded line, e.g. "sidecar/reviews-v2". */
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  listenTimeoutMs: number;
  /** Children with a higher stopOrder are stopped first; equal ones together. Defaults to start order. */
  stopOrder?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves with the parsed listening line; rejects if the child exits or times out first. */
  readonly listening: Promise<Record<string, unknown>>;
  readonly exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** SIGTERM to the whole group, SIGKILL after graceMs. */
  stop(graceMs: number): Promise<ExitStatus>;
  /** Immediate SIGKILL to the group; safe to call from an 'exit' handler. */
  killNow(): void;
}

const TAIL_LINES = 30;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function spawnChild(spec: ChildSpec, onLine: (stream: Stream, line: string) => void): Child {
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const tail: string[] = [];
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  let exitedNow = false;
  void exited.then(() => {
    exitedNow = true;
    // Whatever the leader left behind in its group goes with it.
    signalGroup(child, "SIGKILL");
  });

  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new SupervisionError("listen_timeout", `${spec.name} printed no listening line within ${spec.listenTimeoutMs} ms\n${tail.join("\n")}`));
    }, spec.listenTimeoutMs);
    const read = (stream: Stream) => (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine(stream, line);
      const event = stream === "stdout" ? listeningEvent(line) : undefined;
      if (event) {
        clearTimeout(timer);
        resolve(event);
      }
    };
    createInterface({ input: child.stdout! }).on("line", read("stdout"));
    createInterface({ input: child.stderr! }).on("line", read("stderr"));
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new SupervisionError("spawn_failed", `${spec.name} could not be started: ${err.message}`));
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new SupervisionError("exited_before_listening", `${spec.name} exited (code ${code}, signal ${signal}) before listening\n${tail.join("\n")}`));
    });
  });
  // A rejection nobody awaits (e.g. a child stopped during startup) must not crash the CLI.
  listening.catch(() => undefined);

  return {
    name: spec.name,
    pid: child.pid,
    listening,
    exited,
    hasExited: () => exitedNow,
    killNow: () => signalGroup(child, "SIGKILL"),
    stop: async (graceMs) => {
      if (exitedNow) return exited;
      signalGroup(child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}
