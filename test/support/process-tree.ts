// Which processes are running under a pid, read from /proc, so tests can prove nothing outlives a
// supervisor. A zombie (killed, waiting for init to reap it) counts as gone.
import { readdirSync, readFileSync } from "node:fs";

/** Pid -> parent pid of every running process. */
export function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z") table.set(Number(entry), Number(ppid));
    } catch {
      // exited while we looked
    }
  }
  return table;
}

export function runningDescendants(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const parents = new Set(frontier);
    frontier = [...table].filter(([, ppid]) => parents.has(ppid)).map(([pid]) => pid);
    found.push(...frontier);
  }
  return found;
}

export function stillRunning(pids: readonly number[]): number[] {
  const table = processTable();
  return pids.filter((pid) => table.has(pid));
}
