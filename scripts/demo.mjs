// `npm run demo`: a 3-replica Shoal cluster of the sample app on ports 3001-3003.
// Makes sure Redis and PostgreSQL run (starting local servers that are installed but stopped), starts the replicas
// with distinct node ids, prints their URLs, and stops them all on Ctrl-C.
//   npm run demo -- --store postgres      membership on PostgreSQL instead of Redis
//   npm run demo -- --replicas 5          more replicas (ports 3001...)
import { spawn, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
};
const store = option('store', 'redis');
const replicas = Number(option('replicas', '3'));
const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];

const services = spawnSync('bash', [resolve(root, 'scripts/services.sh')], { stdio: 'inherit' });
if (services.status !== 0) {
  console.error('\nshoal demo: Redis and PostgreSQL are needed; see the commands above.');
  process.exit(1);
}

const children = [];
for (let i = 1; i <= replicas; i += 1) {
  const id = `node-${i}`;
  const color = colors[(i - 1) % colors.length];
  const child = spawn(process.execPath, [resolve(root, 'apps/sample/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(3000 + i),
      SHOAL_NODE_ID: id,
      SHOAL_STORE: store,
      SHOAL_PREFIX: process.env.SHOAL_PREFIX ?? 'demo',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: process.env.WEBHOOKS_ALLOW_PRIVATE_NETWORKS ?? 'true',
      // No load balancer here to drain: a stopped replica leaves at once.
      SHOAL_DRAIN_DELAY: process.env.SHOAL_DRAIN_DELAY ?? '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${color}${id.padEnd(7)}\x1b[0m | `;
  const relay = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) out.write(prefix + line + '\n');
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) console.log(`${prefix}exited (${signal ?? code})`);
  });
  children.push(child);
}

setTimeout(() => {
  console.log(`\nShoal demo: ${replicas} replicas, membership on ${store}.`);
  for (let i = 1; i <= replicas; i += 1) console.log(`  http://127.0.0.1:${3000 + i}/cluster`);
  console.log(
    'Stop one with `kill <pid>` or `kill -9 <pid>` (pids in /cluster) and watch the others notice.',
  );
  console.log('Ctrl-C stops them all.\n');
}, 1500).unref();

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the replicas...');
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.exit(0);
  }, 10_000);
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(
    () => {
      clearTimeout(deadline);
      process.exit(0);
    },
  );
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
