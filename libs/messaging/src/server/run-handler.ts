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

/** An error for a log line: an `Error`'s message, or the JSON of what an exception filter produced. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
