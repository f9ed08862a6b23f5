import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const libs = readdirSync(resolve(root, 'libs')).filter((name) => !name.startsWith('.'));

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  os?: string[];
}

describe('published packages', () => {
  it("the lockfile pins every installed package with its integrity, other platforms' native builds included", () => {
    const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const entries = Object.entries(lock.packages).filter(
      ([key, e]) => key.includes('node_modules/') && !e.link,
    );
    expect(entries.filter(([, e]) => !e.integrity).map(([key]) => key)).toEqual([]);
    // The other platforms' builds are there (so npm ci accepts the lockfile everywhere), each checked too.
    expect(entries.some(([key, e]) => key.endsWith('/core-darwin-arm64') && e.os?.includes('darwin'))).toBe(
      true,
    );
  });

  it('each built lib loads in a clean project with only its declared dependencies and required peers', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/check-packages.mjs'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; message: string }) => {
      throw new Error(error.stdout ?? error.message);
    });
    const loaded = stdout.split('\n').filter((line) => line.includes('loads with only what it declares'));
    expect(loaded).toHaveLength(libs.length);
  }, 600_000);
});
