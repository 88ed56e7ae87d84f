// What every command gets from main.ts: the environment (read once there), the working directory
// and the CLI's own logger.
import type { Env, Logger } from "@trellis/process-kit";

export interface CommandContext {
  env: Env;
  cwd: string;
  log: Logger;
}
