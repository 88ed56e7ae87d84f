// What the kernel says about a process (and its children): CPU time from /proc/<pid>/stat and peak
// resident memory (VmHWM) from /proc/<pid>/status. Linux only.
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every Linux this bench targets (getconf CLK_TCK)

/** The pid and every descendant still alive. */
export function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${out[i]}/task/${tid}/children`, "utf8").trim();
        if (children) for (const child of children.split(/\s+/)) out.push(Number(child));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return out;
}

/** utime + stime of one process, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses; fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of the whole tree (nginx: master + worker). */
export function treeCpuSeconds(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += cpuSeconds(p);
    } catch {
      // gone
    }
  }
  return total;
}

/** Peak RSS in MiB: VmHWM summed over the tree. */
export function treePeakRssMiB(pid) {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (match) kib += Number(match[1]);
    } catch {
      // gone
    }
  }
  return kib / 1024;
}

/** Busy (not idle, not iowait) CPU seconds of one core so far, whoever ran on it (/proc/stat). */
export function coreBusySeconds(core) {
  const line = readFileSync("/proc/stat", "utf8").split("\n").find((l) => l.startsWith(`cpu${core} `));
  if (!line) return NaN;
  // user nice system idle iowait irq softirq steal ...
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) / TICKS_PER_SECOND;
}
