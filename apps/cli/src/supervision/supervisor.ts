// Runs a set of children as one unit: when any of them dies unexpectedly, or on stop(), every child
// is stopped, last started first, and no process of the group is left behind.
import { type Child, type ChildSpec, spawnChild } from "./child";
import { SupervisionError } from "./errors";
import { forwardedLine } from "./log-forward";

export interface Supervisor {
  /** Spawns a child and resolves with its listening line. */
  start(spec: ChildSpec): Promise<Record<string, unknown>>;
  /** Rejects with the first unexpected exit; never resolves otherwise. */
  readonly failure: Promise<never>;
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort (process 'exit'): SIGKILL every group. */
  killAll(): void;
}

export function createSupervisor(write: (line: string) => void): Supervisor {
  const children: Array<{ child: Child; order: number }> = [];
  let stopping = false;
  let fail: (err: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failure.catch(() => undefined);

  const stop = async (graceMs = 8_000) => {
    stopping = true;
    const orders = [...new Set(children.map((c) => c.order))].sort((a, b) => b - a);
    for (const order of orders) {
      await Promise.all(children.filter((c) => c.order === order).map((c) => c.child.stop(graceMs)));
    }
  };

  return {
    failure,
    stop,
    killAll: () => children.forEach((c) => c.child.killNow()),
    start: async (spec) => {
      if (stopping) throw new SupervisionError("spawn_failed", `not starting ${spec.name}: shutting down`);
      const child = spawnChild(spec, (stream, line) => {
        const out = forwardedLine(spec.name, stream, line);
        if (out !== undefined) write(out);
      });
      children.push({ child, order: spec.stopOrder ?? children.length });
      void child.exited.then(({ code, signal }) => {
        if (!stopping) fail(new SupervisionError("exited_unexpectedly", `${spec.name} exited unexpectedly (code ${code}, signal ${signal})`));
      });
      return child.listening;
    },
  };
}
