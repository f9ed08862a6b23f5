import { arch, cpus, loadavg, release, totalmem, type as osType } from 'node:os';

/** Where a benchmark ran, stored with its results. */
export interface MachineInfo {
  readonly node: string;
  readonly os: { readonly type: string; readonly release: string; readonly arch: string };
  readonly cpu: { readonly model: string; readonly cores: number };
  readonly memoryGB: number;
  /** 1, 5 and 15 min load averages when read: other work on the machine skews the numbers. */
  readonly loadavg: readonly number[];
}

/** Describes this machine and Node runtime. */
export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    node: process.version,
    os: { type: osType(), release: release(), arch: arch() },
    cpu: { model: cores[0]?.model.trim() ?? 'unknown', cores: cores.length },
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
