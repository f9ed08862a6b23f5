import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, NotFoundException, Param, type INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { ShoalExceptionFilter } from '@shoal/cluster';
import { EventPayloadTooLargeError, EventValidationError } from '@shoal/events';
import { JobValidationError, QueueFullError } from '@shoal/jobs';
import { UnsafeWebhookTargetError } from '@shoal/webhooks';
import { QueryFailedError } from 'typeorm';

/** What each route throws: Shoal's own errors, built as Shoal builds them, and others for contrast. */
const thrown: Record<string, () => Error> = {
  'event-invalid': () => new EventValidationError('order.placed', ['total: must be positive']),
  'event-too-large': () => new EventPayloadTooLargeError('order.placed', 300_000, 262_144),
  'job-invalid': () => new JobValidationError('emails', 'send-receipt', ['to: invalid email']),
  'queue-full': () => new QueueFullError('emails', 50_000, 50_000),
  'unsafe-webhook': () =>
    new UnsafeWebhookTargetError({
      url: 'http://10.0.0.1/hook',
      reason: 'non-public-address',
      address: '10.0.0.1',
    }),
  'redis-down': () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
  'postgres-restarting': () =>
    new QueryFailedError(
      'SELECT 1',
      [],
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
    ),
  'not-found': () => new NotFoundException('no such order'),
  bug: () => new TypeError("Cannot read properties of undefined (reading 'id')"),
};

@Controller('throw')
class ThrowingController {
  @Get(':what')
  throw(@Param('what') what: string): never {
    throw thrown[what]();
  }
}

/** Wired as the README shows: `{ provide: APP_FILTER, useClass: ShoalExceptionFilter }`. */
@Module({
  controllers: [ThrowingController],
  providers: [{ provide: APP_FILTER, useClass: ShoalExceptionFilter }],
})
class FilteredApp {}

describe('ShoalExceptionFilter maps what Shoal throws to HTTP answers, and leaves the rest to Nest', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(FilteredApp, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  async function answer(what: string) {
    const response = await fetch(`${base}/throw/${what}`);
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as { statusCode: number; message: string },
    };
  }

  it.each([
    ['event-invalid', 400],
    ['event-too-large', 413],
    ['job-invalid', 400],
    ['queue-full', 429],
    ['unsafe-webhook', 400],
  ])('%s answers %i with the error’s own message', async (what, status) => {
    const { status: got, body, retryAfter } = await answer(what);
    expect({ got, body, retryAfter }).toEqual({
      got: status,
      body: { statusCode: status, message: thrown[what]().message },
      retryAfter: null,
    });
  });

  it.each(['redis-down', 'postgres-restarting'])(
    '%s (a store unreachable) answers 503 with Retry-After: 1',
    async (what) => {
      expect(await answer(what)).toEqual({
        status: 503,
        retryAfter: '1',
        body: { statusCode: 503, message: 'a store Shoal needs is unreachable; retry later' },
      });
    },
  );

  it("leaves Nest's HttpExceptions and everything else to Nest: 404 as thrown, a bug stays a 500", async () => {
    expect(await answer('not-found')).toMatchObject({
      status: 404,
      body: { statusCode: 404, message: 'no such order' },
    });
    expect(await answer('bug')).toMatchObject({
      status: 500,
      body: { statusCode: 500, message: 'Internal server error' },
    });
  });
});
