import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { CLUSTER_CONFIG, NODE_HEADER, NODE_INFO } from './cluster.constants.js';
import type { ClusterConfig } from './cluster-config.js';
import { correlationIdFrom } from './context/correlation-id.js';
import { RequestContext } from './context/request-context.js';
import type { NodeInfo } from './node-identity.js';

interface HeaderWritable {
  setHeader?(name: string, value: string): void;
  header?(name: string, value: string): void;
}

interface SocketClient {
  handshake?: { headers?: Record<string, string | string[] | undefined> };
}

/**
 * Adds `x-shoal-node: <node id>` to HTTP responses when `nodeHeader: true` (Express and Fastify), and runs every
 * socket message handler (gateways) in a `RequestContext` whose correlation id comes from the socket handshake's
 * `x-request-id` / `traceparent`, else a new one per message.
 */
@Injectable()
export class NodeHeaderInterceptor implements NestInterceptor {
  constructor(
    @Inject(CLUSTER_CONFIG) private readonly config: ClusterConfig,
    @Inject(NODE_INFO) private readonly node: NodeInfo,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'ws') {
      const headers = context.switchToWs().getClient<SocketClient | undefined>()?.handshake?.headers ?? {};
      const correlationId = correlationIdFrom(headers);
      return new Observable((subscriber) =>
        RequestContext.run({ correlationId, origin: 'socket' }, () => next.handle().subscribe(subscriber)),
      );
    }
    if (this.config.nodeHeader && context.getType() === 'http') {
      const response = context.switchToHttp().getResponse<HeaderWritable>();
      if (typeof response.setHeader === 'function') response.setHeader(NODE_HEADER, this.node.id);
      else response.header?.(NODE_HEADER, this.node.id);
    }
    return next.handle();
  }
}
