import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationIdFrom } from './correlation-id.js';
import { RequestContext } from './request-context.js';

/** The response header that tells the client the correlation id its request ran under. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Runs every HTTP request in a `RequestContext` whose correlation id comes from `x-request-id` or `traceparent`
 * (else a new one), and answers it in `x-request-id`.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    RequestContext.run({ correlationId: correlationIdFrom(req.headers), origin: 'http' }, () => {
      const id = RequestContext.correlationId();
      if (id && !res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
      next();
    });
  }
}
