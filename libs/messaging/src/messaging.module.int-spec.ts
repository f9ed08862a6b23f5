import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Catch,
  Controller,
  Injectable,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
  type PipeTransform,
  type RpcExceptionFilter,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ClusterService } from '@shoal/cluster';
import { eventually } from '@shoal/testing';
import { firstValueFrom, lastValueFrom, map, throwError, toArray, type Observable } from 'rxjs';
import { ShoalClient } from './client/shoal-client.js';
import { MessageTimeoutError } from './errors/message-timeout.error.js';
import { NoHandlerError } from './errors/no-handler.error.js';
import { TargetBusyError } from './errors/target-busy.error.js';
import { TargetUnavailableError } from './errors/target-unavailable.error.js';
import { startNode, testPrefix } from './messaging-nodes.fixture-spec.js';
import { HandlerRegistry } from './registry/handler-registry.js';
import { ShoalRecordBuilder } from './routing/shoal-record.builder.js';
import type { ShoalContext } from './server/shoal-context.js';

class InsufficientFunds extends Error {}

@Catch(InsufficientFunds)
class FundsFilter implements RpcExceptionFilter<InsufficientFunds> {
  catch(error: InsufficientFunds): Observable<never> {
    return throwError(() => ({ code: 'INSUFFICIENT_FUNDS', message: error.message }));
  }
}

class NumbersPipe implements PipeTransform {
  transform(value: { a?: unknown; b?: unknown }): { a: number; b: number } {
    if (typeof value?.a !== 'number' || typeof value?.b !== 'number') {
      throw new RpcException({ code: 'INVALID_INPUT', message: 'a and b must be numbers' });
    }
    return { a: value.a, b: value.b };
  }
}

class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const ctx = context.switchToRpc().getContext<ShoalContext>();
    if (ctx.getMetadata().token !== 'letmein') throw new RpcException({ code: 'FORBIDDEN' });
    return true;
  }
}

class StampInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value: object) => ({ ...value, intercepted: true })));
  }
}

/** Requests that wait until the test opens the gate. */
@Injectable()
class Gate {
  waiting = 0;
  pings: string[] = [];
  private open?: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open?.();
  }
  async wait(): Promise<void> {
    this.waiting += 1;
    await this.opened;
  }
}

@Controller()
@UseFilters(FundsFilter)
class AccountsController {
  constructor(
    private readonly cluster: ClusterService,
    private readonly gate: Gate,
  ) {}

  @MessagePattern('sum')
  @UseInterceptors(StampInterceptor)
  sum(@Payload(new NumbersPipe()) body: { a: number; b: number }, @Ctx() ctx: ShoalContext) {
    return { total: body.a + body.b, node: this.cluster.self.id, from: ctx.getSender() };
  }

  @MessagePattern('reject')
  reject(): never {
    throw new RpcException({ code: 'NOPE', detail: 42 });
  }

  @MessagePattern('withdraw')
  withdraw(): never {
    throw new InsufficientFunds('balance 3 is below 5');
  }

  @MessagePattern('secret')
  @UseGuards(TokenGuard)
  secret(): string {
    return 'granted';
  }

  @MessagePattern('gated')
  async gated(): Promise<string> {
    await this.gate.wait();
    return this.cluster.self.id;
  }

  @MessagePattern('never')
  never(): Promise<never> {
    return new Promise(() => undefined);
  }

  @EventPattern('ping')
  ping(@Payload() body: { n: number }): void {
    this.gate.pings.push(`${this.cluster.self.id}:${body.n}`);
  }
}

describe('MessagingModule transport between Nest apps', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.allSettled(apps.splice(0).map((app) => app.close()));
  });

  async function cluster(options: { maxInFlight?: number } = {}) {
    const prefix = testPrefix();
    const server = (id: string) =>
      startNode({ id, prefix, controllers: [AccountsController], providers: [Gate], messaging: options });
    const [alpha, bravo, caller] = await Promise.all([
      server('alpha'),
      server('bravo'),
      startNode({ id: 'caller', prefix, listen: false }),
    ]);
    apps.push(alpha, bravo, caller);
    const client = caller.get(ShoalClient);
    await eventually(() => caller.get(HandlerRegistry).nodesFor('sum').length === 2, {
      what: 'both servers',
    });
    return { alpha, bravo, caller, client };
  }

  it('answers requests through pipes and interceptors, routed to any node, a named node, a key owner, all nodes', async () => {
    const { client } = await cluster();
    const route = () => new ShoalRecordBuilder({ a: 2, b: 3 });

    const named = await firstValueFrom(client.send('sum', route().toNode('bravo').build()));
    expect(named).toEqual({ total: 5, node: 'bravo', from: 'caller', intercepted: true });

    const anyNodes = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      const answer = await firstValueFrom(client.send<{ node: string }>('sum', { a: 1, b: i }));
      anyNodes.add(answer.node);
    }
    expect([...anyNodes].sort()).toEqual(['alpha', 'bravo']);

    const owners = await Promise.all(
      ['k1', 'k2', 'k3', 'k1'].map((key) =>
        firstValueFrom(client.send<{ node: string }>('sum', route().toOwnerOf(key).build())),
      ),
    );
    expect(owners[3].node).toBe(owners[0].node);

    const everyone = await lastValueFrom(
      client.send<{ node: string }>('sum', route().toAll().build()).pipe(toArray()),
    );
    expect(everyone.map((a) => a.node).sort()).toEqual(['alpha', 'bravo']);
  });

  it('delivers the RpcException payload, pipe and filter errors as the caller expects them', async () => {
    const { client } = await cluster();
    await expect(firstValueFrom(client.send('reject', {}))).rejects.toEqual({ code: 'NOPE', detail: 42 });
    await expect(firstValueFrom(client.send('sum', { a: 'x', b: 1 }))).rejects.toEqual({
      code: 'INVALID_INPUT',
      message: 'a and b must be numbers',
    });
    await expect(firstValueFrom(client.send('withdraw', {}))).rejects.toEqual({
      code: 'INSUFFICIENT_FUNDS',
      message: 'balance 3 is below 5',
    });
    await expect(firstValueFrom(client.send('secret', {}))).rejects.toEqual({ code: 'FORBIDDEN' });
    const allowed = new ShoalRecordBuilder({}).setMetadata({ token: 'letmein' }).build();
    await expect(firstValueFrom(client.send('secret', allowed))).resolves.toBe('granted');
    await expect(firstValueFrom(client.send('unknown', {}))).rejects.toBeInstanceOf(NoHandlerError);
  });

  it('fails with a typed timeout, and at once when the target is not live or dies mid-request', async () => {
    const { client, alpha } = await cluster();
    const timedOut = firstValueFrom(client.send('never', new ShoalRecordBuilder({}).setTimeout(200).build()));
    await expect(timedOut).rejects.toBeInstanceOf(MessageTimeoutError);

    const ghost = new ShoalRecordBuilder({}).toNode('ghost').setTimeout(60_000).build();
    await expect(firstValueFrom(client.send('sum', ghost))).rejects.toBeInstanceOf(TargetUnavailableError);

    // alpha takes the request, then stops: the caller hears it long before the 60 s timeout.
    const inFlight = firstValueFrom(
      client.send('gated', new ShoalRecordBuilder({}).toNode('alpha').setTimeout(60_000).build()),
    );
    await eventually(() => alpha.get(Gate).waiting === 1, { what: 'request running on alpha' });
    const closing = alpha.close();
    await expect(inFlight).rejects.toBeInstanceOf(TargetUnavailableError);
    alpha.get(Gate).release();
    await closing;
  });

  it('refuses requests past maxInFlight with TargetBusyError instead of queueing them', async () => {
    const { client, bravo } = await cluster({ maxInFlight: 2 });
    const toBravo = () => new ShoalRecordBuilder({}).toNode('bravo').build();
    const held = [
      firstValueFrom(client.send('gated', toBravo())),
      firstValueFrom(client.send('gated', toBravo())),
    ];
    await eventually(() => bravo.get(Gate).waiting === 2, { what: 'two requests running on bravo' });
    await expect(firstValueFrom(client.send('gated', toBravo()))).rejects.toBeInstanceOf(TargetBusyError);
    bravo.get(Gate).release();
    await expect(Promise.all(held)).resolves.toEqual(['bravo', 'bravo']);
  });

  it('emits events to one node or to all nodes', async () => {
    const { client, alpha, bravo } = await cluster();
    await firstValueFrom(client.emit('ping', new ShoalRecordBuilder({ n: 1 }).toAll().build()), {
      defaultValue: undefined,
    });
    await firstValueFrom(client.emit('ping', new ShoalRecordBuilder({ n: 2 }).toNode('alpha').build()), {
      defaultValue: undefined,
    });
    await eventually(() => alpha.get(Gate).pings.length === 2 && bravo.get(Gate).pings.length === 1, {
      what: 'events handled',
    });
    expect(alpha.get(Gate).pings).toEqual(['alpha:1', 'alpha:2']);
    expect(bravo.get(Gate).pings).toEqual(['bravo:1']);
  });
});
