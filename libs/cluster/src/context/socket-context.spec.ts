import { describe, expect, it } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { defer, firstValueFrom, of } from 'rxjs';
import type { ClusterConfig } from '../cluster-config.js';
import type { NodeInfo } from '../node-identity.js';
import { NodeHeaderInterceptor } from '../node-header.interceptor.js';
import { RequestContext, type ShoalContext } from './request-context.js';

function wsContext(headers: Record<string, string>): ExecutionContext {
  return {
    getType: () => 'ws',
    switchToWs: () => ({ getClient: () => ({ handshake: { headers } }) }),
  } as unknown as ExecutionContext;
}

/** A handler that reports the context it ran in. */
const handler: CallHandler = { handle: () => defer(() => of(RequestContext.current())) };

describe('socket message handlers run in a RequestContext', () => {
  const interceptor = new NodeHeaderInterceptor(
    { nodeHeader: false } as ClusterConfig,
    { id: 'n1' } as NodeInfo,
  );

  it("takes the handshake's x-request-id", async () => {
    const seen = await firstValueFrom(interceptor.intercept(wsContext({ 'x-request-id': 'abc' }), handler));
    expect(seen).toEqual({ correlationId: 'abc', origin: 'socket' });
  });

  it('gives each message a new id without one', async () => {
    const read = async () =>
      (await firstValueFrom(interceptor.intercept(wsContext({}), handler))) as ShoalContext | undefined;
    const first = await read();
    const second = await read();
    expect(first?.origin).toBe('socket');
    expect(first?.correlationId).not.toBe(second?.correlationId);
  });
});
