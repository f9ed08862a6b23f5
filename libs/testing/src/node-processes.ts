import { ManagedChild, OutputBuffer, type ExitStatus } from './managed-child.js';

/** The readiness line a Shoal app prints on stdout once it serves requests. */
export const DEFAULT_READY_PATTERN = /shoal:ready/;

/** Default time a process gets to print its readiness line: ready arrives in ~2 s on an idle machine; generous for a loaded one. */
export const DEFAULT_READY_TIMEOUT_MS = 45_000;

/** Default time {@link NodeProcess.stop} waits after SIGTERM before it sends SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** The signals a test sends to a {@link NodeProcess}. */
export type NodeProcessSignal = 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT';

/** How to run one Node process of an app script. */
export interface NodeProcessSpec {
  /** Unique name within a group; used in error messages. */
  name: string;
  /** Path of the script run by `process.execPath`. */
  script: string;
  /** Options of node itself (V8 flags included), before the script path: the child's `process.execArgv`. */
  execArgv?: string[];
  /** Arguments after the script path. */
  args?: string[];
  /** Extra environment variables, merged over the test process's environment. */
  env?: Record<string, string>;
  /** Working directory of the process; the test process's by default. */
  cwd?: string;
  /** Resolves when the process is ready: waits for a stdout line matching this (default `/shoal:ready/`). */
  readyPattern?: RegExp;
  /** How long to wait for readiness before killing the process and failing (default 20 s). */
  readyTimeoutMs?: number;
}

/**
 * One real Node process of an app script, which a test can start, signal, pause, stop, kill and restart.
 * Its stdout and stderr are captured (bounded to the last ~200 KB, kept across restarts). It (with anything
 * it forked) is SIGKILLed if the test process exits, or is ended by SIGINT/SIGTERM/SIGHUP, while it still
 * runs; a running process does not keep the test process alive by itself, so a forgotten one cannot hang
 * Jest.
 */
export class NodeProcess {
  /** The spec's name. */
  readonly name: string;
  private readonly buffer = new OutputBuffer();
  private current: ManagedChild | undefined;
  private isPaused = false;

  /** Creates the harness; nothing runs until {@link start}. */
  constructor(readonly spec: NodeProcessSpec) {
    this.name = spec.name;
  }

  /** OS process id of the current run (undefined before the first start). */
  get pid(): number | undefined {
    return this.current?.pid;
  }

  /** True while the current run has not exited (also while paused). */
  get running(): boolean {
    return this.current?.running ?? false;
  }

  /** True between {@link pause} and {@link resume} (or the end of the run). */
  get paused(): boolean {
    return this.running && this.isPaused;
  }

  /**
   * Spawns `process.execPath ...execArgv script ...args` and waits until a stdout line matches the ready pattern. If the
   * process exits first or the timeout passes, it is killed and this rejects with an Error that includes the
   * last ~4 KB of its output.
   */
  async start(): Promise<void> {
    if (this.running) throw new Error(`node '${this.name}' is already running (pid ${this.pid})`);
    const { spec } = this;
    this.isPaused = false;
    const child = new ManagedChild({
      label: `node '${this.name}'`,
      command: process.execPath,
      args: [...(spec.execArgv ?? []), spec.script, ...(spec.args ?? [])],
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      output: this.buffer,
    });
    this.current = child;
    const pattern = spec.readyPattern ?? DEFAULT_READY_PATTERN;
    await child.awaitReady(
      (abort) =>
        new Promise<void>((resolve) => {
          const unsubscribe = child.onStdoutLine((line) => {
            if (line.search(pattern) === -1) return;
            unsubscribe();
            resolve();
          });
          abort.addEventListener('abort', unsubscribe, { once: true });
        }),
      spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    );
  }

  /** Sends `signal` to the running process; throws if it is not running. */
  signal(signal: NodeProcessSignal): void {
    const child = this.current;
    if (child === undefined || !child.signal(signal)) {
      throw new Error(`node '${this.name}' is not running; cannot send ${signal}`);
    }
    if (signal === 'SIGSTOP') this.isPaused = true;
    if (signal === 'SIGCONT') this.isPaused = false;
  }

  /** Freezes the process (SIGSTOP): it keeps its sockets but stops answering, like a hung node. */
  pause(): void {
    this.signal('SIGSTOP');
  }

  /** Thaws a paused process (SIGCONT). */
  resume(): void {
    this.signal('SIGCONT');
  }

  /**
   * Graceful stop: SIGTERM (plus SIGCONT if paused), waits up to `timeoutMs` for the exit, then SIGKILL.
   * Resolves with the exit code (`null` if a signal ended it); if already exited, with the last exit code.
   */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<number | null> {
    if (this.current === undefined) return null;
    const status = await this.current.terminate('SIGTERM', timeoutMs);
    this.isPaused = false;
    return status.code;
  }

  /** Sends SIGKILL (works on paused processes too) and waits for the exit. */
  async kill(): Promise<void> {
    if (this.current === undefined) return;
    await this.current.kill();
    this.isPaused = false;
  }

  /** Stops the process gracefully (see {@link stop}), then starts it again and waits for readiness. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Resolves when the current run exits (immediately if it already has); rejects if never started. */
  exited(): Promise<ExitStatus> {
    if (this.current === undefined) return Promise.reject(new Error(`node '${this.name}' was never started`));
    return this.current.waitExit();
  }

  /** Captured stdout and stderr of all runs so far, bounded to the last ~200 KB. */
  output(): string {
    return this.buffer.all();
  }
}

/**
 * A set of {@link NodeProcess}es started together, e.g. the replicas of a cluster. Use {@link stopAll} in
 * `afterAll`/`afterEach`.
 */
export class NodeProcessGroup {
  private constructor(
    /** The processes, in spec order. */
    readonly nodes: readonly NodeProcess[],
  ) {}

  /**
   * Starts one process per spec, in parallel, and waits until all are ready. If any fails, the others are
   * stopped and this rejects with the first failure.
   */
  static async start(specs: readonly NodeProcessSpec[]): Promise<NodeProcessGroup> {
    const names = new Set(specs.map((s) => s.name));
    if (names.size !== specs.length) throw new Error('NodeProcessGroup: process names must be unique');
    const group = new NodeProcessGroup(specs.map((spec) => new NodeProcess(spec)));
    const results = await Promise.allSettled(group.nodes.map((node) => node.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await group.stopAll();
      throw failed.reason;
    }
    return group;
  }

  /** The process with this name; throws if there is none. */
  node(name: string): NodeProcess {
    const found = this.nodes.find((n) => n.name === name);
    if (found === undefined) throw new Error(`NodeProcessGroup: no process named '${name}'`);
    return found;
  }

  /**
   * Stops every running process in parallel: SIGCONT for paused ones, SIGTERM, SIGKILL after `timeoutMs`.
   * Never throws.
   */
  async stopAll(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        try {
          if (node.paused) node.resume();
          await node.stop(timeoutMs);
        } catch {
          await node.kill().catch(() => undefined);
        }
      }),
    );
  }
}
