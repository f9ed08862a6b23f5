// Packs every lib and loads each one in a clean project that has only what the lib declares (dependencies and
// required peer dependencies, Shoal siblings from their packed tarballs), so a package.json that forgets or hides
// (as "optional") something imported at load time fails here before it fails a user.
//   node scripts/check-packages.mjs [lib ...]      (after `npm run build`)
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const root = resolve(import.meta.dirname, '..');
const libs = readdirSync(join(root, 'libs')).filter((name) => !name.startsWith('.'));
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : libs;
const manifest = (lib) => JSON.parse(readFileSync(join(root, 'libs', lib, 'package.json'), 'utf8'));
const installedVersion = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/** What a package needs installed to load: its dependencies and its non-optional peers. */
function declared(pkg) {
  const optional = new Set(
    Object.entries(pkg.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([name]) => name),
  );
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter((name) => !optional.has(name));
  return [...Object.keys(pkg.dependencies ?? {}), ...peers];
}

const work = mkdtempSync(join(tmpdir(), 'shoal-packages-'));
const failures = [];
try {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const tarballOf = new Map();
  for (const lib of libs) {
    const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', tarballs], {
      cwd: join(root, 'libs', lib),
      encoding: 'utf8',
    });
    tarballOf.set(manifest(lib).name, join(tarballs, output.trim().split('\n').pop()));
  }
  const libOf = new Map(libs.map((lib) => [manifest(lib).name, lib]));
  /** Installs what `lib` declares into a fresh project and imports it there. */
  const check = async (lib) => {
    const name = manifest(lib).name;
    const dependencies = {};
    const visit = (pkgName) => {
      if (dependencies[pkgName]) return;
      if (libOf.has(pkgName)) {
        dependencies[pkgName] = `file:${tarballOf.get(pkgName)}`;
        for (const dep of declared(manifest(libOf.get(pkgName)))) visit(dep);
      } else {
        dependencies[pkgName] = installedVersion(pkgName);
      }
    };
    visit(name);
    const project = join(work, lib);
    mkdirSync(project);
    // The same overrides a user of these packages needs (see the README's Dependencies): typeorm and bentocache
    // declare ioredis 5 as a peer, Shoal runs on ioredis 6.
    const rootOverrides = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).overrides ?? {};
    const overrides = Object.fromEntries(
      Object.entries(rootOverrides).filter(([pkg]) => pkg in dependencies || pkg === '@boringnode/bus'),
    );
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify(
        { name: `check-${lib}`, private: true, type: 'module', dependencies, overrides },
        null,
        2,
      ),
    );
    try {
      await run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
        { cwd: project },
      );
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import('${name}'); console.log(Object.keys(m).length);`,
        ],
        { cwd: project },
      );
      const count = Object.keys(dependencies).length;
      console.log(`${name}: loads with only what it declares (${stdout.trim()} exports; ${count} packages)`);
    } catch (error) {
      const detail = `${error.stderr ?? ''}${error.stdout ?? ''}`.trim().split('\n').slice(-40).join('\n');
      failures.push(name);
      console.log(`${name}: FAILED\n${detail || error.message}`);
    }
  };
  // Three at a time: installs mostly wait on the disk.
  const queue = [...wanted];
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let lib = queue.shift(); lib; lib = queue.shift()) await check(lib);
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`\n${failures.join(', ')}: do not load with only their declared dependencies`);
  process.exit(1);
}
