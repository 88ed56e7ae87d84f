// Group commit for small row writes that arrive in bursts: calls made while a write is in flight are
// gathered and handed to the next write together; each call resolves (or rejects) with its batch.
export function groupCommit<T>(write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let queue: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let running = false;

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await write(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    running = false;
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      running = true;
      // The rest of this turn's calls (a hub pushing to every sidecar) join the first batch.
      setImmediate(() => void drain());
    });
}
