// The README's doc test: every ```ts block is written to its own file and type-checked under `strict` against the
// libs' sources, with `test/readme/stubs` standing for the app's own files the examples import (`./app.module`,
// `./order-placed.event`…). A block opts out only with a reason, on the line before its fence:
//   <!-- readme-check: skip — <why this block cannot compile on its own> -->
// Errors are reported at their README line. Exit code 1 when any block does not compile.
//   node scripts/check-readme.mjs [README.md]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const readmePath = resolve(root, process.argv[2] ?? 'README.md');
const scratch = join(root, 'test', 'readme', '.scratch');
const lines = readFileSync(readmePath, 'utf8').split('\n');

/** The ```ts blocks, with the README line of their first code line and the skip reason if any. */
const blocks = [];
for (let i = 0; i < lines.length; i += 1) {
  if (lines[i].trim() !== '```ts') continue;
  let j = i + 1;
  while (j < lines.length && lines[j].trim() !== '```') j += 1;
  let previous = i - 1;
  while (previous >= 0 && lines[previous].trim() === '') previous -= 1;
  const marker = /<!--\s*readme-check:\s*skip\s*[—:-]\s*(.+?)\s*-->/.exec(lines[previous] ?? '');
  blocks.push({ line: i + 2, code: lines.slice(i + 1, j).join('\n'), skip: marker?.[1] });
  i = j;
}
const unexplained = [...lines.entries()].filter(
  ([, line]) => /readme-check:\s*skip/.test(line) && !/readme-check:\s*skip\s*[—:-]\s*\S/.test(line),
);
if (unexplained.length > 0) {
  console.error(unexplained.map(([n]) => `README.md:${n + 1}: a skipped block needs a reason`).join('\n'));
  process.exit(1);
}

rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
cpSync(join(root, 'test', 'readme', 'stubs'), scratch, { recursive: true });
writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module' }));
const checked = blocks.filter((b) => !b.skip);
for (const block of checked) writeFileSync(join(scratch, `readme-${block.line}.ts`), `${block.code}\n`);
writeFileSync(
  join(scratch, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../../tsconfig.base.json',
      compilerOptions: {
        noEmit: true,
        rootDir: '../../..',
        // Examples show members and parameters a reader would use; unused ones are not mistakes there.
        noUnusedLocals: false,
        noUnusedParameters: false,
        types: ['node'],
        paths: {
          '@shoal/*/internal': ['../../../libs/*/src/internal.ts'],
          '@shoal/*': ['../../../libs/*/src/index.ts'],
          redlock: ['../../../node_modules/redlock/dist/index.d.ts'],
        },
      },
      include: ['*.ts'],
    },
    null,
    2,
  ),
);

let output = '';
let failed = false;
try {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', scratch], {
    encoding: 'utf8',
    stdio: 'pipe',
  });
} catch (error) {
  failed = true;
  output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
}
const errors = [];
for (const line of output.split('\n')) {
  const match = /readme-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
  if (match) errors.push(`README.md:${Number(match[1]) + Number(match[2]) - 1}:${match[3]} ${match[4]}`);
  else if (/error TS/.test(line)) errors.push(line.replace(`${scratch}/`, 'test/readme/stubs/'));
}
const skipped = blocks.length - checked.length;
if (failed && errors.length === 0) {
  // The compiler failed without a diagnostic (not installed, crashed): that is a failure, never a pass.
  console.error(output || 'tsc failed without output');
  console.error('\nREADME: the TypeScript compiler did not run; nothing was checked');
  process.exit(1);
}
if (errors.length > 0) {
  console.error(errors.join('\n'));
  console.error(`\nREADME: ${errors.length} error(s) in ${checked.length} checked TypeScript block(s)`);
  process.exit(1);
}
rmSync(scratch, { recursive: true, force: true });
console.log(
  `README: ${checked.length} TypeScript block(s) compile under strict; ${skipped} skipped with a reason`,
);
