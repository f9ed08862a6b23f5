import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { CLUSTER_CONFIG, NODE_HEADER, NODE_INFO } from './cluster.constants.js';
import type { ClusterConfig } from './cluster-config.js';
import type { NodeInfo } from './node-identity.js';

interface HeaderWritable {
  setHeader?(name: string, value: string): void;
  header?(name: string, value: string): void;
}

/** Adds `x-shoal-node: <node id>` to HTTP responses when `nodeHeader: true` (Express and Fastify). */
@Injectable()
export class NodeHeaderInterceptor implements NestInterceptor {
  constructor(
    @Inject(CLUSTER_CONFIG) private readonly config: ClusterConfig,
    @Inject(NODE_INFO) private readonly node: NodeInfo,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.config.nodeHeader && context.getType() === 'http') {
      const response = context.switchToHttp().getResponse<HeaderWritable>();
      if (typeof response.setHeader === 'function') response.setHeader(NODE_HEADER, this.node.id);
      else response.header?.(NODE_HEADER, this.node.id);
    }
    return next.handle();
  }
}
