/**
 * Compile-time checks of `@OnEvent` handler signatures (run by `npm run typecheck`; an unused `@ts-expect-error`
 * fails it). Nothing here runs.
 */
import { z } from 'zod';
import type { EventContext, TransactionalEventContext } from '../handling/event-context.js';
import { IntegrationEvent } from '../integration-event.decorator.js';
import { OnEvent } from './on-event.decorator.js';

@IntegrationEvent('types.placed', { schema: z.object({ id: z.string() }) })
class Placed {
  constructor(readonly id: string) {}
}

@IntegrationEvent('types.shipped', { schema: z.object({ at: z.number() }) })
class Shipped {
  constructor(readonly at: number) {}
}

export class HandlerTypes {
  @OnEvent(Placed)
  withContext(event: Placed, context: EventContext): string {
    return `${event.id}:${context.attempt}`;
  }

  @OnEvent(Placed)
  async eventOnly(event: Placed): Promise<void> {
    void event;
  }

  @OnEvent(Placed, { idempotent: 'postgres' })
  async inTransaction(event: Placed, { manager }: TransactionalEventContext): Promise<void> {
    await manager.query('SELECT $1', [event.id]); // no `!`: the inbox transaction is always there
  }

  // @ts-expect-error without the Postgres inbox there is no transaction to promise
  @OnEvent(Placed, { idempotent: true })
  async noTransaction(event: Placed, { manager }: TransactionalEventContext): Promise<void> {
    await manager.query('SELECT $1', [event.id]);
  }

  // @ts-expect-error the handler takes another event class
  @OnEvent(Placed)
  wrongEvent(event: Shipped): number {
    return event.at;
  }
}
