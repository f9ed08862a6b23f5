import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** One node of an in-process cluster: a full Nest application context. */
export interface InProcessNode {
  readonly index: number;
  readonly app: INestApplicationContext;
  /** Closes the node gracefully (lifecycle hooks run, so it leaves the cluster). Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/**
 * N Nest application contexts in this process, each a Shoal node with its own connections. Quick to start, for
 * tests that need several nodes but no process faults (use `NodeProcessGroup` for kill -9).
 */
export class InProcessCluster {
  private constructor(readonly nodes: readonly InProcessNode[]) {}

  /**
   * Starts `count` nodes. `moduleFor(i)` returns the root module of node `i`, typically a dynamic module importing
   * `ClusterModule.forRoot({ nodeId: \`node-${i}\`, ... })`.
   */
  static async start(
    count: number,
    moduleFor: (index: number) => DynamicModule | Type<unknown>,
  ): Promise<InProcessCluster> {
    const nodes = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const app = await NestFactory.createApplicationContext(moduleFor(index), {
          logger: ['error', 'warn'],
        });
        await app.init();
        let closed = false;
        const node: InProcessNode = {
          index,
          app,
          get closed() {
            return closed;
          },
          async close() {
            if (closed) return;
            closed = true;
            await app.close();
          },
        };
        return node;
      }),
    );
    return new InProcessCluster(nodes);
  }

  /** `app.get(token)` on every live node. */
  all<T>(token: Type<T> | string | symbol): T[] {
    return this.nodes.filter((n) => !n.closed).map((n) => n.app.get<T>(token));
  }

  /** Closes every node still running. */
  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.close()));
  }
}
