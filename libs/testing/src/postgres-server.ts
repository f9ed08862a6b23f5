import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { onHostExit } from './child-registry.js';
import { freePort } from './free-port.js';
import { ManagedChild } from './managed-child.js';

/** Options of {@link PostgresServer.start}. */
export interface PostgresServerOptions {
  /** Port to listen on; a free one by default. */
  port?: number;
  /** Directory holding `initdb` and `postgres`; the newest `/usr/lib/postgresql/<version>/bin` by default. */
  binDir?: string;
  /** How long to wait until the server accepts connections (default 30 s). */
  readyTimeoutMs?: number;
}

/** Where Debian/Ubuntu install the server binaries, one directory per major version. */
const PG_LIB_DIR = '/usr/lib/postgresql';
/** The OS user that owns the cluster when the test process runs as root (Postgres refuses to run as root). */
const PG_OS_USER = 'postgres';
const STOP_TIMEOUT_MS = 10_000;
const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** The postmaster's complaint when backends of a killed postmaster are still alive. */
const STALE_BACKENDS = /pre-existing shared memory block .* is still in use/;

/** The `bin` directory of the newest PostgreSQL installed under `/usr/lib/postgresql`. */
export function findPostgresBinDir(): string {
  const versions = existsSync(PG_LIB_DIR)
    ? readdirSync(PG_LIB_DIR).filter((v) => existsSync(join(PG_LIB_DIR, v, 'bin', 'postgres')))
    : [];
  if (versions.length === 0)
    throw new Error(`No PostgreSQL server binaries found under ${PG_LIB_DIR}/<version>/bin`);
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return join(PG_LIB_DIR, versions[0], 'bin');
}

/** The uid and gid to run the server as: the `postgres` user's when we are root, else none (run as is). */
function serverCredentials(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, PG_OS_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Removes the System V shared memory segment that a SIGKILLed postmaster leaves behind (a clean shutdown
 * removes it and `postmaster.pid`, which records its id); the kernel frees it once no process is attached.
 */
function releaseSharedMemory(dataDir: string): void {
  try {
    const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const shmid = /^\s*\d+\s+(\d+)\s*$/.exec(lines[6] ?? '')?.[1];
    if (shmid !== undefined) execFileSync('ipcrm', ['-m', shmid], { stdio: 'ignore' });
  } catch {
    // No pid file (clean shutdown), no segment, or no ipcrm: nothing to release.
  }
}

/** Removes a cluster's temp dir, releasing the shared memory of a killed server first. */
function removeClusterDir(dir: string): void {
  releaseSharedMemory(join(dir, 'data'));
  rmSync(dir, { recursive: true, force: true });
}

/** The data directory of the server answering at `url`, over a fresh connection; rejects on a connection error. */
async function answeringDataDirectory(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('show data_directory');
    return rows[0].data_directory;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A private, throw-away PostgreSQL cluster on 127.0.0.1 for fault tests (crash, restart, failover), in its
 * own temp dir with trust auth, `fsync=off`, and its socket in the temp dir. When the test process runs as
 * root, `initdb` and `postgres` run as the `postgres` OS user. The server (postmaster and backends) is
 * SIGKILLed and its directory removed if the test process exits first. Never touches the shared Postgres.
 *
 * Like all harnesses here, a running server does not keep the test process alive by itself.
 */
export class PostgresServer {
  private child: ManagedChild | undefined;
  private dir: string | undefined;
  private forgetDir: (() => void) | undefined;
  private readonly credentials = serverCredentials();

  private constructor(
    /** The TCP port on 127.0.0.1, fixed for the server's lifetime (restarts reuse it). */
    readonly port: number,
    private readonly binDir: string,
    private readonly readyTimeoutMs: number,
  ) {}

  /**
   * Creates a fresh cluster (`initdb`), starts it on `opts.port` (or a free port), and waits until it answers (it,
   * not another server on that port).
   */
  static async start(opts: PostgresServerOptions = {}): Promise<PostgresServer> {
    const server = new PostgresServer(
      opts.port ?? (await freePort()),
      opts.binDir ?? findPostgresBinDir(),
      opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    );
    try {
      await server.spawn();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** Connection URL as the `postgres` superuser: `postgres://postgres@127.0.0.1:<port>/postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** True while the postmaster process runs. */
  get running(): boolean {
    return this.child?.running ?? false;
  }

  /** OS process id of the current postmaster, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Captured server log (stdout and stderr) of the current postmaster (bounded). */
  output(): string {
    return this.child?.output() ?? '';
  }

  /**
   * Fast shutdown (SIGINT: clients are disconnected), SIGKILL after 10 s; then removes the temp dir with all
   * data. A later {@link restart} creates a fresh, empty cluster.
   */
  async stop(): Promise<void> {
    await this.shutdown();
    this.removeDir();
  }

  /**
   * Crash: SIGKILL to the postmaster and all its backends, wait for the postmaster's exit. The data stays;
   * {@link restart} recovers it.
   */
  async kill(): Promise<void> {
    await this.child?.kill();
  }

  /** Shuts the server down (if running) and starts it again on the same port with the same data. */
  async restart(): Promise<void> {
    await this.shutdown();
    await this.spawn();
  }

  private async shutdown(): Promise<void> {
    await this.child?.terminate('SIGINT', STOP_TIMEOUT_MS);
  }

  /**
   * Starts the postmaster, retrying while backends of a killed predecessor still hold the shared memory
   * (they may take a moment to die, or not notice the postmaster's death if someone else killed it).
   */
  private async spawn(): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      try {
        return await this.spawnOnce(Math.max(deadline - Date.now(), 1_000));
      } catch (err) {
        const stale = err instanceof Error && STALE_BACKENDS.test(err.message);
        if (!stale || Date.now() >= deadline) throw err;
      }
      await sleep(200);
    }
  }

  private async spawnOnce(readyTimeoutMs: number): Promise<void> {
    if (this.running) throw new Error(`postgres :${this.port} is already running`);
    const dir = this.dir ?? (await this.initCluster());
    const child = new ManagedChild({
      label: `postgres :${this.port}`,
      command: join(this.binDir, 'postgres'),
      args: [
        ...['-D', join(dir, 'data'), '-p', String(this.port), '-k', join(dir, 'socket')],
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
      ],
      cwd: dir,
      env: { ...process.env, LC_ALL: 'C' },
      ...this.credentials,
    });
    this.child = child;
    const dataDir = join(dir, 'data');
    await child.awaitReady(async (abort) => {
      for (;;) {
        let answering: string | undefined;
        try {
          answering = await answeringDataDirectory(this.url);
        } catch (err) {
          if (abort.aborted) throw err;
        }
        // Another test's server that took the port while this one was down must not be mistaken for it.
        if (answering !== undefined && answering !== dataDir)
          throw new Error(`port ${this.port} is answered by the server of ${answering}, not by this one`);
        if (answering !== undefined) return;
        await sleep(100, undefined, { signal: abort }).catch(() => undefined);
      }
    }, readyTimeoutMs);
  }

  /** Creates the temp dir (owned by the server's user) and runs `initdb` in it; returns the temp dir. */
  private async initCluster(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-pg-'));
    this.dir = dir;
    this.forgetDir = onHostExit(() => removeClusterDir(dir));
    mkdirSync(join(dir, 'socket'), { mode: 0o700 });
    if (this.credentials !== undefined) {
      chownSync(dir, this.credentials.uid, this.credentials.gid);
      chownSync(join(dir, 'socket'), this.credentials.uid, this.credentials.gid);
    }
    const initdb = new ManagedChild({
      label: `initdb for postgres :${this.port}`,
      command: join(this.binDir, 'initdb'),
      args: [
        '-D',
        join(dir, 'data'),
        '--auth=trust',
        '-U',
        'postgres',
        '--no-sync',
        '-E',
        'UTF8',
        '--locale=C',
      ],
      cwd: dir,
      env: { ...process.env, LC_ALL: 'C' },
      ...this.credentials,
    });
    const status = await initdb.waitExit();
    if (status.code !== 0) {
      throw new Error(
        `initdb for postgres :${this.port} failed (code ${status.code}, signal ${status.signal}). ` +
          `Last output:\n${initdb.tail()}`,
      );
    }
    return dir;
  }

  private removeDir(): void {
    if (this.dir !== undefined) removeClusterDir(this.dir);
    this.forgetDir?.();
    this.dir = undefined;
    this.forgetDir = undefined;
  }
}
