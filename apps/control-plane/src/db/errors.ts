// Storage errors that callers may handle (Prisma's own error classes never leave db/).

/** A unique key is taken, e.g. a username. */
export class UniqueConstraintError extends Error {
  readonly code = "unique_violation";
  constructor(
    message: string,
    readonly fields: string[],
  ) {
    super(message);
    this.name = "UniqueConstraintError";
  }
}
