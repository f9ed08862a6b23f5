import { describe, expect, it } from '@jest/globals';
import type { WritePacket } from '@nestjs/microservices';
import { eventually } from '@shoal/testing';
import { Registry } from 'prom-client';
import { MessageTimeoutError } from '../errors/message-timeout.error.js';
import { NoHandlerError } from '../errors/no-handler.error.js';
import { TargetBusyError } from '../errors/target-busy.error.js';
import { TargetUnavailableError } from '../errors/target-unavailable.error.js';
import { MessagingMetrics } from '../messaging.metrics.js';
import { PendingRequests } from './pending-requests.js';

function setup() {
  const pending = new PendingRequests(new MessagingMetrics(new Registry()));
  const packets: WritePacket[] = [];
  const add = (id: string, awaiting: string[], durable = false) =>
    pending.add(
      id,
      { pattern: 'p', awaiting: new Set(awaiting), target: 'x', callback: (p) => packets.push(p) },
      60_000,
      durable,
    );
  return { pending, packets, add };
}

describe('PendingRequests', () => {
  it('passes one answer through and forgets the request', () => {
    const { pending, packets, add } = setup();
    add('1', ['a']);
    pending.reply({ t: 'res', id: '1', from: 'a', response: 42, disposed: true });
    pending.reply({ t: 'res', id: '1', from: 'a', response: 43, disposed: true });
    expect(packets).toEqual([{ response: 42 }, { isDisposed: true }]);
    expect(pending.size).toBe(0);
  });

  it('completes a request to several nodes after the last one answered', () => {
    const { pending, packets, add } = setup();
    add('1', ['a', 'b']);
    pending.reply({ t: 'res', id: '1', from: 'b', response: 'b', disposed: true });
    expect(pending.size).toBe(1);
    pending.reply({ t: 'res', id: '1', from: 'a', response: 'a', disposed: true });
    expect(packets).toEqual([{ response: 'b' }, { response: 'a' }, { isDisposed: true }]);
  });

  it('turns refusals into typed errors and passes handler errors as they are', () => {
    const { pending, packets, add } = setup();
    add('1', ['a']);
    add('2', ['a']);
    add('3', ['a']);
    pending.reply({ t: 'res', id: '1', from: 'a', refusal: { code: 'busy', message: 'full' } });
    pending.reply({ t: 'res', id: '2', from: 'a', refusal: { code: 'no-handler', message: 'none' } });
    pending.reply({ t: 'res', id: '3', from: 'a', err: { code: 'NOPE' }, disposed: true });
    expect(packets[0].err).toBeInstanceOf(TargetBusyError);
    expect(packets[1].err).toBeInstanceOf(NoHandlerError);
    expect(packets[2]).toEqual({ err: { code: 'NOPE' } });
  });

  it('fails requests waiting on a node that left, but not durable entity requests', () => {
    const { pending, packets, add } = setup();
    add('1', ['a']);
    add('2', ['b']);
    add('3', [], true);
    pending.nodeLeft('a');
    expect(packets).toHaveLength(1);
    expect(packets[0].err).toBeInstanceOf(TargetUnavailableError);
    expect(pending.size).toBe(2);
    pending.failAll('stopping');
  });
});

describe('PendingRequests timeouts', () => {
  it('fails each request with MessageTimeoutError once its own timeout passed, with one timer per value', async () => {
    const pending = new PendingRequests(new MessagingMetrics(new Registry()));
    const outcomes: string[] = [];
    const add = (id: string, timeout: number) =>
      pending.add(
        id,
        {
          pattern: 'p',
          awaiting: new Set(['a']),
          target: 'x',
          callback: (p) =>
            outcomes.push(`${id}:${p.err instanceof MessageTimeoutError ? 'timeout' : 'answer'}`),
        },
        timeout,
        false,
      );
    add('1', 5);
    add('2', 60_000);
    add('3', 5);
    add('4', 5);
    pending.reply({ t: 'res', id: '3', from: 'a', response: 3, disposed: true });
    await eventually(() => pending.size === 1, { what: 'the short requests timed out' });
    expect(outcomes).toEqual(['3:answer', '3:answer', '1:timeout', '4:timeout']);
    pending.failAll('done');
  });
});
