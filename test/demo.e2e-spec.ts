import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { eventually, freePort } from '@shoal/testing';
import { DATABASE_URL, REDIS_URL } from './support/sample-nodes.js';

const DEMO = resolve(import.meta.dirname, '../scripts/demo.mjs');

/** `node scripts/demo.mjs <args>` with its output collected (colours stripped) and stdin open. */
class Demo {
  output = '';
  readonly exited: Promise<number | null>;
  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString().replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
  }

  static run(args: string[]): Demo {
    const prefix = `e2e_demo_${Math.random().toString(36).slice(2, 8)}`;
    return new Demo(
      spawn(process.execPath, [DEMO, ...args], {
        env: { ...process.env, SHOAL_PREFIX: prefix, REDIS_URL, DATABASE_URL, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
  }

  /** Resolves with the match once the output matches `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await eventually(
      () => {
        match = this.output.match(pattern);
        if (!match) throw new Error(`not yet; the output so far ends with:\n${this.output.slice(-3000)}`);
        return true;
      },
      { timeoutMs, intervalMs: 50 },
    );
    return match as unknown as RegExpMatchArray;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Three free consecutive ports after the returned base (base + 1 … base + 3). */
async function freeBase(): Promise<number> {
  for (;;) {
    const base = (await freePort()) - 1;
    const probes = [base + 2, base + 3].map(
      (port) =>
        new Promise<boolean>((done) => {
          const server = createServer();
          server.once('error', () => done(false));
          server.listen(port, '0.0.0.0', () => server.close(() => done(true)));
        }),
    );
    if ((await Promise.all(probes)).every(Boolean)) return base;
  }
}

describe('npm run demo (scripts/demo.mjs)', () => {
  const demos: Demo[] = [];
  const servers: Server[] = [];
  const start = (args: string[]) => {
    const demo = Demo.run(args);
    demos.push(demo);
    return demo;
  };

  afterEach(async () => {
    for (const demo of demos.splice(0)) if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    for (const server of servers.splice(0)) server.close();
  });

  it.each([
    [['--replicas', '0'], /--replicas must be a whole number from 1 to 9, got "0"/],
    [['--replicas', 'three'], /--replicas must be a whole number from 1 to 9, got "three"/],
    [['--store', 'mongo'], /--store must be redis or postgres/],
    [['--colour', 'blue'], /unknown option --colour/],
  ])('refuses %j with a usage message', async (args, message) => {
    const demo = start(args);
    expect(await demo.exited).toBe(2);
    expect(demo.output).toMatch(message);
    expect(demo.output).toMatch(/usage: npm run demo/);
  });

  it('refuses clearly when a port is taken, before starting anything', async () => {
    const base = await freeBase();
    const squatter = createServer();
    servers.push(squatter);
    await new Promise<void>((done) => squatter.listen(base + 2, '0.0.0.0', done));
    const demo = start(['--replicas', '3', '--base-port', String(base)]);
    expect(await demo.exited).toBe(1);
    expect(demo.output).toMatch(new RegExp(`port ${base + 2} is taken`));
    expect(demo.output).not.toMatch(/node-1 +\|/);
  });

  it('waits for every replica, serves the dashboard, restarts a killed replica, and Ctrl-C leaves no process', async () => {
    const base = await freeBase();
    const demo = start(['--replicas', '3', '--base-port', String(base)]);
    const [, url] = await demo.waitFor(/dashboard: (http:\/\/\S+)/, 120_000);
    expect(url).toBe(`http://127.0.0.1:${base + 1}/`);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Shoal cluster');
    const pids = [1, 2, 3].map((i) =>
      Number(demo.output.match(new RegExp(`node-${i}: \\S+ +pid (\\d+)`))?.[1]),
    );
    expect(pids.every((pid) => pid > 0 && alive(pid))).toBe(true);

    process.kill(pids[2], 'SIGKILL');
    await demo.waitFor(/node-3 +\| exited \(SIGKILL\)\. .*type `restart node-3`/, 10_000);
    expect(alive(pids[0]) && alive(pids[1])).toBe(true);
    demo.child.stdin?.write('restart node-3\n');
    const [, restarted] = await demo.waitFor(/node-3 is back \(pid (\d+)\)/, 60_000);

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.output).toMatch(/all replicas stopped/);
    const replicas = [...pids.slice(0, 2), Number(restarted)];
    await eventually(() => replicas.filter(alive).length === 0, {
      timeoutMs: 5000,
      what: 'every replica gone',
    });
  }, 240_000);
});
