import type { MessageHandler } from '@nestjs/microservices';
import { defaultIfEmpty, isObservable, lastValueFrom, type Observable } from 'rxjs';
import type { ShoalContext } from './shoal-context.js';

/** Runs an event handler (Nest's pipeline: pipes, guards, interceptors, filters) to completion. */
export async function runEventHandler(
  handler: MessageHandler,
  data: unknown,
  ctx: ShoalContext,
): Promise<void> {
  const result: unknown = await handler(data, ctx);
  if (isObservable(result))
    await lastValueFrom((result as Observable<unknown>).pipe(defaultIfEmpty(undefined)));
}
