import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { killProcessTree, trackChild } from './child-registry.js';

/** How a child process ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  /** Exit code, or `null` when the process was ended by a signal (or never started). */
  readonly code: number | null;
  /** The signal that ended the process, or `null` when it exited by itself. */
  readonly signal: NodeJS.Signals | null;
}

/** Default bound of captured output, in characters (~200 KB). */
export const DEFAULT_OUTPUT_LIMIT = 200 * 1024;

/** Default size of the output excerpt put into error messages, in characters (~4 KB). */
export const ERROR_OUTPUT_TAIL = 4 * 1024;

/** How long to wait for the stdio pipes to close after the process exited, before giving up on them. */
const CLOSE_GRACE_MS = 1_000;

/** The longest incomplete stdout line kept while waiting for its newline. */
const MAX_PENDING_LINE = 64 * 1024;

/**
 * A bounded text buffer that keeps the most recent output of one or more child processes (stdout and stderr
 * interleaved in arrival order), dropping the oldest text beyond `limit` characters.
 */
export class OutputBuffer {
  private text = '';

  /** @param limit the maximum number of characters kept */
  constructor(private readonly limit = DEFAULT_OUTPUT_LIMIT) {}

  /** Appends `chunk`, dropping the oldest text beyond the limit. */
  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit) this.text = this.text.slice(-this.limit);
  }

  /** Everything kept so far. */
  all(): string {
    return this.text;
  }

  /** The last `chars` characters kept. */
  tail(chars = ERROR_OUTPUT_TAIL): string {
    return this.text.slice(-chars);
  }
}

/** How to spawn a {@link ManagedChild}. */
export interface ManagedChildOptions {
  /** Names the process in error messages, e.g. `node 'a'` or `redis-server :6380`. */
  readonly label: string;
  /** The executable: a path, or a name looked up on PATH. */
  readonly command: string;
  /** Its arguments. */
  readonly args?: readonly string[];
  /** Its working directory; the host's by default. */
  readonly cwd?: string;
  /** The complete environment of the child (not merged with anything). */
  readonly env?: NodeJS.ProcessEnv;
  /** Run the child as this user id (needs root). */
  readonly uid?: number;
  /** Run the child as this group id (needs root). */
  readonly gid?: number;
  /** Where to capture stdout and stderr; a fresh {@link OutputBuffer} by default. */
  readonly output?: OutputBuffer;
}

/**
 * One spawned child process with captured output, an exit promise and escalating termination. Internal
 * building block of the Node, Redis and Postgres harnesses.
 *
 * The child is tracked by the exit registry, so it (with its descendants) is SIGKILLed if the host process
 * ends first. It is also unref'd: a child a test forgot to stop does not keep the test process alive (which
 * would then never run that clean-up). Waits on the child keep the host alive with a timer (readiness,
 * termination) or by ref'ing the child again until it exits ({@link waitExit}).
 */
export class ManagedChild {
  /** The label given at spawn time, used in error messages. */
  readonly label: string;
  private readonly child: ChildProcess;
  private readonly buffer: OutputBuffer;
  private readonly lineListeners = new Set<(line: string) => void>();
  private pendingLine = '';
  private status: ExitStatus | undefined;
  /** Resolves once the process has exited and its output pipes are closed (or shortly after exit). */
  private readonly exit: Promise<ExitStatus>;
  private holds = 0;

  /** Spawns the process right away; spawn failures surface through {@link waitExit} and the output. */
  constructor(options: ManagedChildOptions) {
    this.label = options.label;
    this.buffer = options.output ?? new OutputBuffer();
    this.child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(this.child);
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) (stream as Socket | null)?.unref();
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr?.on('data', (chunk: string) => this.buffer.append(chunk));
    this.exit = new Promise<ExitStatus>((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(grace);
        resolve(this.status ?? { code: null, signal: null });
      };
      this.child.once('exit', (code, signal) => {
        this.status = { code, signal };
        grace = setTimeout(done, CLOSE_GRACE_MS);
      });
      this.child.once('close', done);
      this.child.on('error', (err) => {
        if (this.child.pid !== undefined) return;
        this.buffer.append(`[${this.label}] failed to spawn: ${err.message}\n`);
        this.status = { code: null, signal: null };
        done();
      });
    });
  }

  /** The OS process id (undefined when spawning failed). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True from a successful spawn until the process exits. */
  get running(): boolean {
    return this.child.pid !== undefined && this.status === undefined;
  }

  /** Captured stdout and stderr, bounded. */
  output(): string {
    return this.buffer.all();
  }

  /** The last `chars` characters of captured output. */
  tail(chars = ERROR_OUTPUT_TAIL): string {
    return this.buffer.tail(chars);
  }

  /** Calls `listener` with every complete stdout line (without its newline); returns an unsubscriber. */
  onStdoutLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => {
      this.lineListeners.delete(listener);
    };
  }

  /**
   * Resolves once the process has exited and its output pipes are closed (or 1 s after the exit, if a
   * grandchild keeps them open). Keeps the host process alive until then.
   */
  async waitExit(): Promise<ExitStatus> {
    const release = this.hold();
    try {
      return await this.exit;
    } finally {
      release();
    }
  }

  /**
   * Sends `signal` if the process is running (SIGKILL goes to its descendants too); returns whether it was
   * sent.
   */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    if (signal === 'SIGKILL') killProcessTree(this.child);
    else this.child.kill(signal);
    return true;
  }

  /**
   * Sends `signal` (followed by SIGCONT, so a paused process can handle it), waits up to `timeoutMs` for the
   * exit, then escalates to SIGKILL (for the process and its descendants). Resolves with the exit status;
   * does nothing more if already exited.
   */
  async terminate(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitStatus> {
    if (!this.running) return this.exit;
    if (signal === 'SIGKILL') return this.sigkill();
    this.child.kill(signal);
    this.child.kill('SIGCONT');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exit.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return timedOut ? this.sigkill() : this.exit;
  }

  /** Sends SIGKILL to the process and its descendants, and waits for the exit. */
  kill(): Promise<ExitStatus> {
    return this.terminate('SIGKILL');
  }

  /**
   * Waits until `check` resolves. If the process exits first, `check` rejects, or `timeoutMs` passes, the
   * process is killed and the returned promise rejects with an Error that ends with the last ~4 KB of output.
   * `check` receives an AbortSignal that fires once the wait is over either way, to stop polling.
   */
  async awaitReady(check: (signal: AbortSignal) => Promise<void>, timeoutMs: number): Promise<void> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const failure = await Promise.race([
      check(abort.signal).then(
        () => undefined,
        (err: unknown) => `failed its readiness check: ${err instanceof Error ? err.message : String(err)}`,
      ),
      this.exit.then((s) =>
        this.pid === undefined
          ? 'could not be spawned'
          : `exited before it was ready (code ${s.code}, signal ${s.signal})`,
      ),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`was not ready within ${timeoutMs} ms`), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    abort.abort();
    if (failure === undefined) return;
    await this.kill();
    throw new Error(`${this.label} ${failure}. Last output:\n${this.tail()}`);
  }

  /** SIGKILLs the child and all its descendants, and waits for the exit. */
  private sigkill(): Promise<ExitStatus> {
    killProcessTree(this.child);
    return this.waitExit();
  }

  /** Refs the child until the returned release function is called (counted, so holds can overlap). */
  private hold(): () => void {
    if (this.holds++ === 0) this.child.ref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) this.child.unref();
    };
  }

  private onStdout(chunk: string): void {
    this.buffer.append(chunk);
    const lines = (this.pendingLine + chunk).split('\n');
    this.pendingLine = (lines.pop() ?? '').slice(-MAX_PENDING_LINE);
    for (const line of lines) {
      const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
      for (const listener of [...this.lineListeners]) listener(clean);
    }
  }
}
