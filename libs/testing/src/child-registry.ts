import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';

/**
 * The registry of clean-ups that must run when the host process ends: SIGKILL for live children, removal of
 * temp dirs. It is kept on the host's real global object, so one registry (and one set of listeners) serves
 * every copy of this module; Jest loads a fresh copy per test file.
 *
 * Jest runs each test file in a VM context whose `process` is a copy on which `process.on('exit')` never
 * fires. `runInThisContext` evaluates in the main context of the Node process, which yields the real
 * `process` both under Jest and in plain Node.
 */
const REGISTRY_KEY = Symbol.for('shoal.testing.exit-cleanups');

/** Signals that end a test run early (Ctrl-C, `timeout`, a closed terminal): clean up, then die as usual. */
const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

type HostGlobal = typeof globalThis & { [REGISTRY_KEY]?: Set<() => void> };

function runAll(registry: Set<() => void>): void {
  // Last registered first: children die before the directories they use are removed.
  const cleanups = [...registry].reverse();
  registry.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is ending anyway.
    }
  }
}

function installRegistry(host: HostGlobal): Set<() => void> {
  const registry = new Set<() => void>();
  host[REGISTRY_KEY] = registry;
  const hostProcess = host.process;
  hostProcess.on('exit', () => runAll(registry));
  for (const signal of FATAL_SIGNALS) {
    const onSignal = (): void => {
      runAll(registry);
      // If nobody else handles the signal, restore its default action (terminate) and raise it again.
      if (hostProcess.listenerCount(signal) === 1) {
        hostProcess.removeListener(signal, onSignal);
        hostProcess.kill(hostProcess.pid, signal);
      }
    };
    hostProcess.on(signal, onSignal);
  }
  return registry;
}

function registry(): Set<() => void> {
  const host = runInThisContext('globalThis') as HostGlobal;
  return host[REGISTRY_KEY] ?? installRegistry(host);
}

/**
 * Registers a synchronous clean-up to run when the host process exits or is ended by SIGINT, SIGTERM or
 * SIGHUP (clean-ups run last-registered first). Returns a function that unregisters it, to call once the
 * clean-up was done normally.
 */
export function onHostExit(cleanup: () => void): () => void {
  const cleanups = registry();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Parent pid of every process, read from Linux `/proc` (empty where there is no `/proc`). */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so parse after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process went away while we looked.
    }
  }
  return parents;
}

/** All descendants of `root` (children, grandchildren, ...). */
function descendants(root: number): number[] {
  const parents = parentPids();
  const found: number[] = [];
  const queue = [root];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/**
 * SIGKILLs `child` and every process it forked, e.g. a postmaster and its backends (which put themselves in
 * their own process groups and would outlive their postmaster). The child is SIGSTOPped first so that it
 * cannot fork while its descendants are collected. Does nothing if the child already exited.
 */
export function killProcessTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const kill = (target: number, signal: NodeJS.Signals): void => {
    try {
      process.kill(target, signal);
    } catch {
      // ESRCH: already gone.
    }
  };
  kill(pid, 'SIGSTOP');
  for (const target of [pid, ...descendants(pid)]) kill(target, 'SIGKILL');
}

/**
 * Makes sure `child` never outlives the host process: it and its descendants are SIGKILLed when the host
 * exits (or is ended by SIGINT, SIGTERM or SIGHUP) while the child still runs. The child is forgotten as soon
 * as it exits.
 */
export function trackChild(child: ChildProcess): void {
  const forget = onHostExit(() => killProcessTree(child));
  child.once('exit', forget);
  child.once('error', () => {
    if (child.pid === undefined) forget();
  });
}
