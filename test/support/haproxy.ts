import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '@shoal/testing';

/** Throws a clear error when the `haproxy` binary is missing (the test installs nothing itself). */
export function requireHaproxy(): void {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'haproxy is not installed: this test runs a real HAProxy on loopback ports. ' +
        'Install it with `apt-get install -y haproxy` (scripts/services.sh checks for it).',
    );
  }
}

/**
 * HAProxy on loopback in front of the sample's replicas, following `GET /health/ready` (`option httpchk`, checked
 * every 200 ms, down after 2 failures, up after 2 successes), with a CSV stats page to see what it thinks.
 */
export class Haproxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    private readonly statsPort: number,
    private output: string,
  ) {}

  static async start(servers: ReadonlyMap<string, number>): Promise<Haproxy> {
    requireHaproxy();
    const port = await freePort();
    const statsPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'shoal-haproxy-'));
    const config = `
global
  maxconn 2000

defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # A loaded test machine can take a while to answer a probe: a slow answer is not a down replica.
  timeout check 3s
  retries 3
  option redispatch

frontend shoal
  bind 127.0.0.1:${port}
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  default-server check inter 200ms fastinter 200ms downinter 200ms fall 2 rise 2
${[...servers].map(([name, p]) => `  server ${name} 127.0.0.1:${p}`).join('\n')}

listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`;
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proxy = new Haproxy(child, dir, port, statsPort, '');
    const append = (chunk: Buffer) => (proxy.output = (proxy.output + chunk.toString()).slice(-8000));
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    await eventually(async () => (await proxy.states()).size === servers.size, {
      what: `haproxy on :${port}`,
      timeoutMs: 10_000,
    });
    return proxy;
  }

  /** The load balancer's URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Each server's state as HAProxy sees it (`UP`, `DOWN`, `UP 1/2`...). */
  async states(): Promise<Map<string, string>> {
    const response = await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`);
    const lines = (await response.text()).split('\n');
    const header = lines[0].replace(/^# /, '').split(',');
    const [px, sv, status] = ['pxname', 'svname', 'status'].map((c) => header.indexOf(c));
    const states = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      if (cells[px] === 'replicas' && cells[sv] !== 'BACKEND' && cells[sv] !== 'FRONTEND' && cells[sv]) {
        states.set(cells[sv], cells[status]);
      }
    }
    return states;
  }

  /** Waits until HAProxy routes to `name` again. */
  async waitUp(name: string, timeoutMs = 20_000): Promise<void> {
    await eventually(async () => (await this.states()).get(name) === 'UP', {
      what: `haproxy sees ${name} UP`,
      timeoutMs,
    });
  }

  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
