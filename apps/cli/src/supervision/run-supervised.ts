// The life of a supervising command: start children, then wait for Ctrl-C / SIGTERM or for a child
// to die, and stop everything either way. A second Ctrl-C kills at once.
import type { Logger } from "@trellis/process-kit";
import { createSupervisor, type Supervisor } from "./supervisor";

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Resolves with the process exit code: 0 after a requested stop, 1 after a failure. */
export async function runSupervised(log: Logger, body: (supervisor: Supervisor) => Promise<void>): Promise<number> {
  const supervisor = createSupervisor((line) => process.stdout.write(`${line}\n`));
  process.on("exit", () => supervisor.killAll());
  let signalled: NodeJS.Signals | undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of SIGNALS) {
      process.on(signal, () => {
        if (signalled !== undefined) {
          log.warn("forced_stop", { signal });
          supervisor.killAll();
          process.exit(1);
        }
        signalled = signal;
        resolve(signal);
      });
    }
  });
  const started = body(supervisor);
  started.catch(() => undefined);
  try {
    const signal = await Promise.race([started.then(() => Promise.race([stopRequested, supervisor.failure])), stopRequested, supervisor.failure]);
    log.info("stopping", { reason: signal });
    await supervisor.stop();
    log.info("stopped", { reason: signal });
    return 0;
  } catch (err) {
    log.error("failed", { code: err instanceof Error && "code" in err ? err.code : "error", message: err instanceof Error ? err.message : String(err) });
    await supervisor.stop();
    log.info("stopped", { reason: "failure" });
    return 1;
  }
}
