import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from './eventually.js';
import { NodeProcess, NodeProcessGroup, type NodeProcessSpec } from './node-processes.js';

const TIMEOUT = 30_000;

/** Prints a tick every 20 ms, the ready line, and exits 0 on SIGTERM. */
const APP = `
let ticks = 0;
setInterval(() => console.log('tick ' + ++ticks), 20);
process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
console.error('stderr line from ' + process.env.NODE_NAME);
console.log(
  'shoal:ready name=' + process.env.NODE_NAME + ' args=' + process.argv.slice(2).join(',') +
    ' execArgv=' + process.execArgv.join(','),
);
`;
/** Dies during boot with a recognisable message. */
const CRASH = `console.error('boom: DATABASE_URL is missing'); process.exit(3);`;
/** Never becomes ready. */
const SILENT = `setInterval(() => undefined, 1000);`;
/** Becomes ready but ignores SIGTERM. */
const STUBBORN = `
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
setInterval(() => undefined, 1000);
console.log('shoal:ready');
`;

/** Pids of live processes whose command line mentions `needle` (zombies excluded). */
function processesRunning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.includes(needle) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return pids;
}

let dir: string;
const scripts: Record<'app' | 'crash' | 'silent' | 'stubborn', string> = {
  app: '',
  crash: '',
  silent: '',
  stubborn: '',
};
const started: NodeProcess[] = [];
const groups: NodeProcessGroup[] = [];

function proc(spec: Partial<NodeProcessSpec> & { name: string }): NodeProcess {
  const node = new NodeProcess({ script: scripts.app, env: { NODE_NAME: spec.name }, ...spec });
  started.push(node);
  return node;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-node-processes-'));
  const sources = { app: APP, crash: CRASH, silent: SILENT, stubborn: STUBBORN };
  for (const [key, source] of Object.entries(sources)) {
    const file = join(dir, `${key}.mjs`);
    writeFileSync(file, source);
    scripts[key as keyof typeof scripts] = file;
  }
});

afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.stopAll()));
  await Promise.all(started.splice(0).map((n) => n.kill()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('NodeProcess', () => {
  it(
    'passes execArgv to node itself, before the script, and args to the script',
    async () => {
      const node = proc({
        name: 'flags',
        execArgv: ['--no-memory-reducer', '--max-old-space-size=64'],
        args: ['--y'],
      });
      await node.start();
      expect(node.output()).toContain(
        'shoal:ready name=flags args=--y execArgv=--no-memory-reducer,--max-old-space-size=64',
      );
      expect(await node.stop()).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'starts, waits for readiness, captures stdout and stderr, and stops with exit code 0 on SIGTERM',
    async () => {
      const node = proc({ name: 'a', args: ['--x', '1'] });
      expect(node.running).toBe(false);
      await node.start();
      expect(node.running).toBe(true);
      expect(node.pid).toEqual(expect.any(Number));
      expect(node.output()).toContain('shoal:ready name=a args=--x,1 execArgv=');
      expect(node.output()).toContain('stderr line from a');

      expect(await node.stop()).toBe(0);
      expect(node.running).toBe(false);
      expect(node.output()).toContain('got SIGTERM');
      expect(await node.exited()).toEqual({ code: 0, signal: null });
      expect(await node.stop()).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'pauses (no more output) and resumes (output again)',
    async () => {
      const node = proc({ name: 'p' });
      await node.start();
      node.pause();
      expect(node.paused).toBe(true);
      await sleep(200);
      const frozen = node.output();
      await sleep(300);
      expect(node.output()).toBe(frozen);
      expect(node.running).toBe(true);

      node.resume();
      expect(node.paused).toBe(false);
      await eventually(() => node.output().length > frozen.length, { what: 'output again after resume' });
    },
    TIMEOUT,
  );

  it(
    'stops a paused process gracefully',
    async () => {
      const node = proc({ name: 'ps' });
      await node.start();
      node.pause();
      expect(await node.stop()).toBe(0);
      expect(node.paused).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'kills with SIGKILL',
    async () => {
      const node = proc({ name: 'k' });
      await node.start();
      const exited = node.exited();
      await node.kill();
      expect(node.running).toBe(false);
      expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(() => node.signal('SIGTERM')).toThrow(/not running/);
    },
    TIMEOUT,
  );

  it(
    'escalates to SIGKILL when SIGTERM is ignored',
    async () => {
      const node = proc({ name: 's', script: scripts.stubborn });
      await node.start();
      expect(await node.stop(300)).toBeNull();
      expect(await node.exited()).toEqual({ code: null, signal: 'SIGKILL' });
      expect(node.output()).toContain('ignoring SIGTERM');
    },
    TIMEOUT,
  );

  it(
    'restarts as a new process and keeps the output of both runs',
    async () => {
      const node = proc({ name: 'r' });
      await node.start();
      const firstPid = node.pid;
      await node.restart();
      expect(node.running).toBe(true);
      expect(node.pid).not.toBe(firstPid);
      expect(node.output().match(/shoal:ready/g)).toHaveLength(2);
    },
    TIMEOUT,
  );

  it(
    'rejects with the output when the process exits before it is ready',
    async () => {
      const node = proc({ name: 'c', script: scripts.crash });
      const failure = node.start();
      await expect(failure).rejects.toThrow(/node 'c' exited before it was ready \(code 3, signal null\)/);
      await expect(failure).rejects.toThrow(/boom: DATABASE_URL is missing/);
      expect(node.running).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'rejects and kills the process when readiness times out',
    async () => {
      const node = proc({ name: 't', script: scripts.silent, readyTimeoutMs: 300 });
      await expect(node.start()).rejects.toThrow(/node 't' was not ready within 300 ms/);
      expect(node.running).toBe(false);
      expect(await node.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    },
    TIMEOUT,
  );

  it(
    'honours a custom ready pattern',
    async () => {
      const node = proc({ name: 'custom', readyPattern: /^tick 3$/ });
      await node.start();
      expect(node.output()).toContain('tick 3');
    },
    TIMEOUT,
  );
});

describe('NodeProcessGroup', () => {
  it(
    'starts nodes in parallel and stops them all, paused ones included',
    async () => {
      const group = await NodeProcessGroup.start(
        ['n1', 'n2', 'n3'].map((name) => ({ name, script: scripts.app, env: { NODE_NAME: name } })),
      );
      groups.push(group);
      expect(group.nodes.map((n) => n.running)).toEqual([true, true, true]);
      expect(group.node('n2').output()).toContain('name=n2');
      expect(() => group.node('nope')).toThrow(/no process named 'nope'/);

      group.node('n1').pause();
      await group.node('n3').kill();
      await group.stopAll();
      expect(group.nodes.map((n) => n.running)).toEqual([false, false, false]);
      expect(await group.node('n1').exited()).toEqual({ code: 0, signal: null });
    },
    TIMEOUT,
  );

  it(
    'fails as a whole, stopping the started nodes, when one node fails',
    async () => {
      const specs = [
        { name: 'ok', script: scripts.app },
        { name: 'bad', script: scripts.crash },
      ];
      await expect(NodeProcessGroup.start(specs)).rejects.toThrow(/node 'bad' exited before it was ready/);
      expect(processesRunning(scripts.app)).toEqual([]);
    },
    TIMEOUT,
  );
});
