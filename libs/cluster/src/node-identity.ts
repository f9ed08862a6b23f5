import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Who a node is: what every other node sees of it in membership. */
export interface NodeInfo {
  /** Stable id of the replica (pod name, container id, `SHOAL_NODE_ID`...). */
  readonly id: string;
  /** Random per process start: a node that restarts with the same id is a new incarnation. */
  readonly incarnation: string;
  /** When this process started (epoch ms, local clock; informational). */
  readonly startedAt: number;
  /** The app's version. */
  readonly version: string;
  /** Host name and pid of the process. */
  readonly host: string;
  readonly pid: number;
  /** Free-form facts given in `ClusterModule` options. */
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Picks this node's id: the explicit option, then `SHOAL_NODE_ID`, then `HOSTNAME` (a pod or container name),
 * else `<host>-<pid>`.
 */
export function resolveNodeId(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.SHOAL_NODE_ID ?? env.HOSTNAME ?? `${hostname()}-${process.pid}`;
}

/** Builds this process's identity. */
export function createNodeInfo(options: {
  nodeId?: string;
  version?: string;
  metadata?: Record<string, string | number | boolean>;
}): NodeInfo {
  return {
    id: resolveNodeId(options.nodeId),
    incarnation: randomUUID(),
    startedAt: Date.now(),
    version: options.version ?? process.env.npm_package_version ?? '0.0.0',
    host: hostname(),
    pid: process.pid,
    metadata: { ...(options.metadata ?? {}) },
  };
}
