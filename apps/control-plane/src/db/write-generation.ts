// A count of the writes, in this process, that can change what the traffic read APIs answer (rollups,
// edges, services): a read cached under one count is still what the database says while the count is
// the same. Process-wide on purpose: two databases in one process only invalidate each other's
// caches more often, never less. Writes by other processes (replicas) are not counted; readers that
// cache bound the age of what they serve instead.
let generation = 0;

/** The count now; read it BEFORE the reads it will tag. */
export const writeGeneration = (): number => generation;

/** `repo` with each named method counting one write when it settles (committed or failed). */
export function countingWrites<T extends object>(repo: T, methods: ReadonlyArray<keyof T>): T {
  const out = { ...repo };
  for (const name of methods) {
    const method = repo[name];
    if (typeof method !== "function") continue;
    const counted = async (...args: unknown[]): Promise<unknown> => {
      try {
        return await Reflect.apply(method, repo, args);
      } finally {
        generation++;
      }
    };
    Object.assign(out, { [name]: counted });
  }
  return out;
}
