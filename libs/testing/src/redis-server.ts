import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onHostExit } from './child-registry.js';
import { freePort } from './free-port.js';
import { ManagedChild } from './managed-child.js';
import { parseInfo, redisCli } from './redis-cli.js';

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** Port to listen on; a free one by default. */
  port?: number;
  /** How long to wait for the first PONG (default 10 s). */
  readyTimeoutMs?: number;
  /**
   * Persist with an append-only file fsynced on every write, kept across `stop`/`kill`/`restart` (like a
   * production Redis holding streams). Default false: nothing is persisted.
   */
  persistent?: boolean;
  /** Extra `redis-server` arguments appended to Shoal's, e.g. `['--cluster-enabled', 'yes']`. */
  args?: readonly string[];
}

/** How long {@link RedisServer.stop} waits after SIGTERM before it sends SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;
const DEFAULT_READY_TIMEOUT_MS = 10_000;

/**
 * Sends `PING` over a fresh TCP connection to 127.0.0.1:`port`; resolves true on `+PONG`, false on any
 * error, other reply, or no reply within `timeoutMs`.
 */
export function pingRedis(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A private, throw-away `redis-server` (the binary on PATH) on 127.0.0.1 for fault tests: nothing is
 * persisted (`--save "" --appendonly no`), it runs in its own temp dir, and it is SIGKILLed if the test
 * process exits first. Never touches the shared Redis. A running server does not keep the test process
 * alive by itself.
 */
export class RedisServer {
  private child: ManagedChild | undefined;
  private dir: string | undefined;
  private forgetDir: (() => void) | undefined;

  private constructor(
    /** The TCP port on 127.0.0.1, fixed for the server's lifetime (restarts reuse it). */
    readonly port: number,
    private readonly readyTimeoutMs: number,
    private readonly persistent: boolean,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts a server on `opts.port` (or a free port) and waits until it answers PING. */
  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(
      opts.port ?? (await freePort()),
      opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      opts.persistent ?? false,
      opts.args ?? [],
    );
    await server.spawn();
    return server;
  }

  /** Connection URL, `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** True while the server process runs. */
  get running(): boolean {
    return this.child?.running ?? false;
  }

  /** OS process id of the current server process, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Captured stdout and stderr of the current server process (bounded). */
  output(): string {
    return this.child?.output() ?? '';
  }

  /** Graceful stop: SIGTERM, wait for the exit, SIGKILL after 5 s. Removes the temp dir unless persistent. */
  async stop(): Promise<void> {
    await this.child?.terminate('SIGTERM', STOP_TIMEOUT_MS);
    if (!this.persistent) this.removeDir();
  }

  /** Crash: SIGKILL and wait for the exit. Removes the temp dir unless persistent. */
  async kill(): Promise<void> {
    await this.child?.kill();
    if (!this.persistent) this.removeDir();
  }

  /** Stops for good and removes the temp dir, persistent or not. */
  async destroy(): Promise<void> {
    await this.child?.terminate('SIGTERM', STOP_TIMEOUT_MS);
    this.removeDir();
  }

  /** Stops the server and starts a new one on the same port; its data is gone unless persistent. */
  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }

  private async spawn(): Promise<void> {
    if (this.running) throw new Error(`redis-server :${this.port} is already running`);
    const reuse = this.persistent && this.dir !== undefined;
    const dir = reuse ? (this.dir as string) : mkdtempSync(join(tmpdir(), 'shoal-redis-'));
    if (!reuse) {
      this.dir = dir;
      this.forgetDir = onHostExit(() => rmSync(dir, { recursive: true, force: true }));
    }
    const child = new ManagedChild({
      label: `redis-server :${this.port}`,
      command: 'redis-server',
      args: [
        '--save',
        '',
        '--appendonly',
        this.persistent ? 'yes' : 'no',
        '--appendfsync',
        'always',
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        ...this.extraArgs,
      ],
      cwd: dir,
      env: process.env,
    });
    this.child = child;
    try {
      await child.awaitReady(async (abort) => {
        while (!abort.aborted) {
          if (await pingRedis(this.port)) return this.assertAnsweredBy(child.pid);
          await sleep(50, undefined, { signal: abort }).catch(() => undefined);
        }
      }, this.readyTimeoutMs);
    } catch (err) {
      this.removeDir();
      throw err;
    }
  }

  /**
   * Fails when the server answering on the port is not the process just spawned: another test's server took the port
   * while this one was down (this one then exits on "address in use"), and must not be mistaken for it.
   */
  private async assertAnsweredBy(pid: number | undefined): Promise<void> {
    const answering = parseInfo(await redisCli(this.port, ['INFO', 'server'])).process_id;
    if (answering !== String(pid))
      throw new Error(
        `port ${this.port} is answered by process ${answering}, not by this server (pid ${pid})`,
      );
  }

  private removeDir(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.forgetDir?.();
    this.dir = undefined;
    this.forgetDir = undefined;
  }
}
