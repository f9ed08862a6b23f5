import { describe, expect, it } from '@jest/globals';
import { correlationIdFrom } from './correlation-id.js';
import { RequestContext } from './request-context.js';

describe('correlationIdFrom', () => {
  it('takes x-request-id first, then the trace id of traceparent', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(correlationIdFrom({ 'x-request-id': 'abc', traceparent })).toBe('abc');
    expect(correlationIdFrom({ traceparent })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('ignores what cannot be an id', () => {
    expect(correlationIdFrom({})).toBeUndefined();
    expect(correlationIdFrom({ 'x-request-id': 'a b\n' })).toBeUndefined();
    expect(
      correlationIdFrom({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }),
    ).toBe(undefined);
    expect(correlationIdFrom({ traceparent: 'garbage' })).toBeUndefined();
    expect(correlationIdFrom({ 'x-request-id': 'x'.repeat(500) })).toHaveLength(200);
  });
});

describe('RequestContext', () => {
  it('gives the id to everything that runs inside, across awaits, and nothing outside', async () => {
    expect(RequestContext.correlationId()).toBeUndefined();
    const seen = await RequestContext.run({ correlationId: 'abc', origin: 'http' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return RequestContext.current();
    });
    expect(seen).toEqual({ correlationId: 'abc', origin: 'http' });
    expect(RequestContext.correlationId()).toBeUndefined();
    expect(RequestContext.run({ origin: 'job' }, () => RequestContext.correlationId())).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });
});
