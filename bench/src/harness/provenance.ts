import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root (this file runs from `bench/dist/harness`). */
const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** Which code was measured. */
export interface Provenance {
  /** `git rev-parse HEAD`, if available. */
  readonly commit?: string;
  /** Whether `libs/` or `apps/` had uncommitted changes (the measured build may differ from the commit). */
  readonly dirty?: boolean;
}

function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The commit and dirtiness of the working tree the benchmark ran from. */
export function provenance(): Provenance {
  const status = git(['status', '--porcelain', '--', 'libs', 'apps']);
  return { commit: git(['rev-parse', 'HEAD']), dirty: status === undefined ? undefined : status.length > 0 };
}
