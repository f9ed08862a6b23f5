import { Catch, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { isStoreUnavailableError } from '../errors/store-unavailable.js';

/** An error that says which HTTP status it should answer with (Shoal's input errors do). */
export interface HttpStatusHint {
  readonly httpStatus: number;
  readonly message: string;
}

function hasStatusHint(error: unknown): error is HttpStatusHint {
  const status = (error as Partial<HttpStatusHint> | null)?.httpStatus;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 600;
}

/**
 * Maps what Shoal throws to HTTP answers: an error carrying `httpStatus` (validation → 400, payload too large → 413,
 * queue full → 429) answers with that status and its message; Redis or PostgreSQL unreachable answers 503 with
 * `Retry-After: 1`, so clients and load balancers retry instead of seeing a 500. Everything else goes to Nest's
 * default handling. Opt-in: `{ provide: APP_FILTER, useClass: ShoalExceptionFilter }`, or
 * `app.useGlobalFilters(new ShoalExceptionFilter(app.getHttpAdapter()))`.
 */
@Catch()
export class ShoalExceptionFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return super.catch(exception, host);
    const answer = hasStatusHint(exception)
      ? { status: exception.httpStatus, message: exception.message }
      : isStoreUnavailableError(exception)
        ? {
            status: HttpStatus.SERVICE_UNAVAILABLE,
            message: 'a store Shoal needs is unreachable; retry later',
          }
        : undefined;
    if (!answer) return super.catch(exception, host);
    const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
    if (!adapter) return super.catch(exception, host);
    const response: unknown = host.switchToHttp().getResponse();
    if (answer.status === HttpStatus.SERVICE_UNAVAILABLE) adapter.setHeader(response, 'Retry-After', '1');
    adapter.reply(response, { statusCode: answer.status, message: answer.message }, answer.status);
  }
}
