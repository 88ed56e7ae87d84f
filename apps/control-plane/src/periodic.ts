// Runs a background task every `intervalMs`, never two at once; a failure is logged and the next run
// still happens. stop() waits for a run in progress, so shutdown never races a half-done sweep.
import type { Logger } from "./log";

export interface Periodic {
  /** Runs the task now (after any run in progress), e.g. from tests. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function every(intervalMs: number, name: string, task: () => Promise<unknown>, log: Logger): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const run = (): Promise<void> => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await task();
      } catch (err) {
        log.error("background_task_failed", { task: name, err });
      }
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void run().then(schedule), intervalMs);
  };
  schedule();

  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
