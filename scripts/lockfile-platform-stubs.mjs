// Completes package-lock.json with the other platforms' builds of optional native packages (@swc/core-darwin-arm64,
// msgpackr-extract, …). npm writes a lockfile with only the builds it installed here, and `npm ci` on another
// platform then refuses it as out of sync. Each missing entry is filled from the registry's own metadata —
// `resolved`, `integrity`, and the `os`/`cpu`/`libc` the package declares — so every platform installs its build
// with its integrity checked, and skips the others. Run after any `npm install` that rewrites the lockfile:
//   node scripts/lockfile-platform-stubs.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

/** The registry's manifest of `name@version`: where the tarball is, its integrity, and its platform fields. */
function manifestOf(name, version) {
  const json = execFileSync('npm', ['view', `${name}@${version}`, 'dist', 'os', 'cpu', 'libc', '--json'], {
    encoding: 'utf8',
  });
  return JSON.parse(json);
}

let added = 0;
let fixed = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    const key = packages[nested] ? nested : `node_modules/${name}`;
    const existing = packages[key];
    if (existing?.integrity) continue;
    const version = existing?.version ?? String(spec).replace(/^[\^~=]/, '');
    const manifest = manifestOf(name, version);
    if (!manifest.os && !manifest.cpu) continue; // not a platform build: leave it to npm
    packages[key] = {
      version,
      resolved: manifest.dist.tarball,
      integrity: manifest.dist.integrity,
      optional: true,
      ...(manifest.os ? { os: manifest.os } : {}),
      ...(manifest.cpu ? { cpu: manifest.cpu } : {}),
      ...(manifest.libc ? { libc: manifest.libc } : {}),
    };
    if (existing) fixed += 1;
    else added += 1;
  }
}
// Keep keys sorted like npm writes them.
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
const missing = Object.entries(lock.packages).filter(
  ([key, entry]) => key.includes('node_modules/') && !entry.link && !entry.integrity,
);
console.log(
  `lockfile: ${added} platform build(s) added, ${fixed} completed; ${missing.length} entries without integrity`,
);
if (missing.length > 0) {
  console.error(missing.map(([key]) => `  ${key}`).join('\n'));
  process.exit(1);
}
