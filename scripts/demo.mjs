// `npm run demo`: a Shoal cluster of the sample app on this machine, replicas node-1…node-N on ports 3001….
// Makes sure Redis and PostgreSQL run (starting local servers that are installed but stopped, printing install
// commands otherwise), refuses to start when a port is taken, waits for each replica's ready line, prints the
// dashboard URL, reports a replica that dies and restarts it on request, and stops every replica on Ctrl-C.
//   npm run demo -- --store postgres      membership on PostgreSQL instead of Redis
//   npm run demo -- --postgres-only       no Redis at all: every module on PostgreSQL (the sample without accounts)
//   npm run demo -- --replicas 5          more replicas (1-9)
//   npm run demo -- --base-port 4000      replicas on 4001…
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const main = resolve(root, 'apps/sample/dist/main.js');
const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];
const READY_TIMEOUT_MS = 60_000;
/** A replica's graceful stop (readiness 503, the drain delay, then leaving the cluster); SIGKILL only past this. */
const STOP_GRACE_MS = 30_000;

function usage(problem) {
  console.error(`shoal demo: ${problem}`);
  console.error(
    'usage: npm run demo -- [--replicas 1-9] [--store redis|postgres] [--postgres-only] [--base-port 1024-65000]',
  );
  process.exit(2);
}

function parseArgs(args) {
  const postgresOnly = args.includes('--postgres-only');
  const argv = args.filter((arg) => arg !== '--postgres-only');
  const options = { replicas: '3', store: postgresOnly ? 'postgres' : 'redis', 'base-port': '3000' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !(name in options)) usage(`unknown option ${argv[i]}`);
    if (argv[i + 1] === undefined) usage(`--${name} needs a value`);
    options[name] = argv[i + 1];
  }
  const replicas = Number(options.replicas);
  if (!/^\d+$/.test(options.replicas) || replicas < 1 || replicas > 9) {
    usage(`--replicas must be a whole number from 1 to 9, got "${options.replicas}"`);
  }
  if (!['redis', 'postgres'].includes(options.store)) {
    usage(`--store must be redis or postgres, got "${options.store}"`);
  }
  const basePort = Number(options['base-port']);
  if (!/^\d+$/.test(options['base-port']) || basePort < 1024 || basePort > 65_000) {
    usage(`--base-port must be a port from 1024 to 65000, got "${options['base-port']}"`);
  }
  if (postgresOnly && options.store !== 'postgres') usage('--postgres-only keeps membership on postgres');
  return { replicas, store: options.store, basePort, postgresOnly };
}

/** Whether `port` can be listened on (on every interface, as the replicas do). */
function portFree(port) {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '0.0.0.0', () => server.close(() => done(true)));
  });
}

const { replicas, store, basePort, postgresOnly } = parseArgs(process.argv.slice(2));
const nodes = Array.from({ length: replicas }, (_, i) => ({
  id: `node-${i + 1}`,
  port: basePort + i + 1,
  color: colors[i % colors.length],
  child: null,
}));

const taken = [];
for (const node of nodes) if (!(await portFree(node.port))) taken.push(node.port);
if (taken.length > 0) {
  console.error(
    `shoal demo: port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} ${taken.length > 1 ? 'are' : 'is'} taken ` +
      `(another demo still running?). Stop what listens there (\`lsof -i :${taken[0]}\`) or pass --base-port.`,
  );
  process.exit(1);
}

const services = spawnSync('bash', [resolve(root, 'scripts/services.sh')], { stdio: 'inherit' });
if (services.status !== 0) {
  console.error('\nshoal demo: Redis and PostgreSQL are needed; see the commands above.');
  process.exit(1);
}

let stopping = false;

/** Starts `node` and resolves when it prints its ready line (rejects if it exits or takes too long first). */
function start(node) {
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: String(node.port),
      SHOAL_NODE_ID: node.id,
      SHOAL_STORE: store,
      SHOAL_PREFIX: process.env.SHOAL_PREFIX ?? 'demo',
      REDIS_URL: postgresOnly ? '' : (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: process.env.WEBHOOKS_ALLOW_PRIVATE_NETWORKS ?? 'true',
      // No load balancer here to drain: a stopped replica leaves at once.
      SHOAL_DRAIN_DELAY: process.env.SHOAL_DRAIN_DELAY ?? '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  node.child = child;
  const prefix = `${node.color}${node.id.padEnd(7)}\x1b[0m | `;
  return new Promise((ready, failed) => {
    const timer = setTimeout(
      () => failed(new Error(`${node.id} printed no ready line in ${READY_TIMEOUT_MS / 1000} s`)),
      READY_TIMEOUT_MS,
    );
    const relay = (stream, out) => {
      createInterface({ input: stream }).on('line', (line) => {
        if (line.startsWith('shoal:ready ')) {
          clearTimeout(timer);
          ready(JSON.parse(line.slice('shoal:ready '.length)));
        }
        out.write(prefix + line + '\n');
      });
    };
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      failed(new Error(`${node.id} exited before it was ready (${signal ?? `code ${code}`})`));
      if (stopping) return;
      console.log(
        `\n${prefix}exited (${signal ?? `code ${code}`}). The other replicas carry on without it; ` +
          `type \`restart ${node.id}\` and Enter to start it again.\n`,
      );
    });
  });
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nshoal demo: stopping the replicas (each leaves the cluster at once)...');
  const running = nodes.map((n) => n.child).filter((c) => c && c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of running)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  Promise.all(
    running.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)),
    ),
  ).then(() => {
    clearTimeout(deadline);
    console.log('shoal demo: all replicas stopped.');
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));

try {
  const started = Date.now();
  const ready = await Promise.all(nodes.map(start));
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `\nShoal demo: ${replicas} replica(s) ready in ${took} s, ${postgresOnly ? 'everything on postgres (no Redis)' : `membership on ${store}`}.`,
  );
  console.log(`  dashboard: http://127.0.0.1:${nodes[0].port}/   (any replica serves it)`);
  for (const [i, node] of nodes.entries()) {
    console.log(`  ${node.id}: http://127.0.0.1:${node.port}/cluster   pid ${ready[i].pid}`);
  }
  console.log(`Kill one (\`kill -9 ${ready[ready.length - 1].pid}\`) and watch the dashboard notice.`);
  console.log('Ctrl-C stops them all.\n');
} catch (error) {
  console.error(`\nshoal demo: ${error.message}`);
  stop(1);
}

// `restart node-2` (or `r node-2`) on stdin starts a replica that died again.
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [command, id] = line.trim().split(/\s+/);
  if (!['restart', 'r'].includes(command) || stopping) return;
  const node = nodes.find((n) => n.id === id);
  if (!node) return console.log(`shoal demo: no replica "${id}" (${nodes.map((n) => n.id).join(', ')})`);
  if (node.child && node.child.exitCode === null && node.child.signalCode === null) {
    return console.log(`shoal demo: ${id} is running`);
  }
  try {
    const { pid } = await start(node);
    console.log(`\nshoal demo: ${id} is back (pid ${pid}).\n`);
  } catch (error) {
    console.error(`shoal demo: ${error.message}`);
  }
});
