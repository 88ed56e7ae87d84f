// Why supervising a child failed; main.ts turns these into an exit code and one log line.

export class SupervisionError extends Error {
  constructor(
    readonly code: "listen_timeout" | "exited_before_listening" | "exited_unexpectedly" | "spawn_failed",
    message: string,
  ) {
    super(message);
  }
}
