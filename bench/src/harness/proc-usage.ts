import { readFile } from 'node:fs/promises';

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on Linux). */
export const CLK_TCK = 100;

/** One reading of a process's resource use from `/proc` (Linux only). */
export interface ProcUsage {
  /** Resident set size, bytes (`VmRSS` of `/proc/<pid>/status`). */
  readonly rssBytes: number;
  /** User + system CPU time so far, clock ticks (`utime + stime` of `/proc/<pid>/stat`). */
  readonly cpuTicks: number;
  /** `performance.now()` when read. */
  readonly at: number;
}

/** Reads the RSS and CPU time of process `pid`; throws if it does not exist. */
export async function readProcUsage(pid: number): Promise<ProcUsage> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  const at = performance.now();
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3 (state); utime and stime are fields 14 and 15.
  const cpuTicks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  const rss = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!rss || !Number.isFinite(cpuTicks)) throw new Error(`cannot parse /proc/${pid}`);
  return { rssBytes: Number(rss[1]) * 1024, cpuTicks, at };
}

/** CPU use between two readings of the same process, in percent of one core. */
export function cpuPercent(from: ProcUsage, to: ProcUsage): number {
  const seconds = (to.at - from.at) / 1000;
  return ((to.cpuTicks - from.cpuTicks) / (seconds * CLK_TCK)) * 100;
}
