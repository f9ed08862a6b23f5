import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const README = join(root, 'README.md');
const STUBS = join(root, 'test', 'readme', 'stubs');
const SCRATCH = join(root, 'test', 'readme', '.run');

/** One ```ts block of the README, by the line of its first code line. */
export interface ReadmeBlock {
  readonly line: number;
  readonly code: string;
}

/**
 * The README's complete examples: ```ts blocks whose fence follows `<!-- readme-run: <name> -->` (blank lines
 * between allowed), grouped by name (a guide's module and its services are one example).
 */
export function readmeExamples(path = README): Map<string, ReadmeBlock[]> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const examples = new Map<string, ReadmeBlock[]>();
  for (let i = 1; i < lines.length; i += 1) {
    if (lines[i].trim() !== '```ts') continue;
    let previous = i - 1;
    while (previous > 0 && lines[previous].trim() === '') previous -= 1;
    const marker = /^<!--\s*readme-run:\s*([a-z0-9-]+)\s*-->$/.exec(lines[previous].trim());
    if (!marker) continue;
    let end = i + 1;
    while (end < lines.length && lines[end].trim() !== '```') end += 1;
    const blocks = examples.get(marker[1]) ?? [];
    blocks.push({ line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    examples.set(marker[1], blocks);
  }
  return examples;
}

/**
 * Writes the blocks of example `name` as they are in the README (one file each, beside the stubs of the app's own
 * files they import) and imports them: what the README's reader would run. Returns every export of every block and
 * of the stubs named in `appFiles` (`'mailer.service.ts'`: the app's own classes the example's services use).
 */
export async function loadReadmeExample(
  name: string,
  appFiles: string[] = [],
): Promise<Record<string, unknown>> {
  const blocks = readmeExamples().get(name);
  if (!blocks) throw new Error(`README has no block marked <!-- readme-run: ${name} -->`);
  const dir = join(SCRATCH, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(STUBS, dir, { recursive: true });
  const exports: Record<string, unknown> = {};
  for (const block of blocks) {
    const file = join(dir, `readme-${block.line}.ts`);
    writeFileSync(file, `${block.code}\n`);
    Object.assign(exports, (await import(file)) as Record<string, unknown>);
  }
  for (const file of appFiles)
    Object.assign(exports, (await import(join(dir, file))) as Record<string, unknown>);
  return exports;
}

/** Removes the written examples. */
export function removeReadmeExamples(): void {
  rmSync(SCRATCH, { recursive: true, force: true });
}
