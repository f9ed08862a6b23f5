import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { PostgresListener } from './postgres-listener.js';

/** A pg client whose `UNLISTEN *` can be held, to open the window while a broken connection is released. */
class FakeClient extends EventEmitter {
  readonly statements: string[] = [];
  holdUnlisten?: Promise<void>;

  async query(sql: string): Promise<unknown> {
    this.statements.push(sql);
    if (sql === 'UNLISTEN *' && this.holdUnlisten) await this.holdUnlisten;
    return [];
  }
}

/** A DataSource that hands out fake query runners and counts the connections taken and given back. */
function fakeDataSource() {
  const clients: FakeClient[] = [];
  let released = 0;
  /** The next connect waits for this, then fails. */
  let heldFailure: Promise<void> | undefined;
  const dataSource = {
    createQueryRunner: () => {
      let isReleased = false;
      return {
        get isReleased() {
          return isReleased;
        },
        connect: async () => {
          if (heldFailure) {
            const held = heldFailure;
            heldFailure = undefined;
            await held;
            throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
          }
          const client = new FakeClient();
          clients.push(client);
          return client;
        },
        release: async () => {
          if (!isReleased) released += 1;
          isReleased = true;
        },
      };
    },
  } as unknown as DataSource;
  return {
    dataSource,
    clients,
    released: () => released,
    /** The next connect hangs until the returned function is called, then fails. */
    holdNextConnectThenFail: (): (() => void) => {
      let fail!: () => void;
      heldFailure = new Promise<void>((resolve) => (fail = resolve));
      return fail;
    },
  };
}

/** A listener on `one` (counting the reconnections it is told of) whose connection then breaks. */
async function listenThenBreak(
  fake: ReturnType<typeof fakeDataSource>,
  beforeBreak: (client: FakeClient) => void = () => undefined,
): Promise<{ listener: PostgresListener; told: () => number }> {
  let told = 0;
  const listener = new PostgresListener(
    fake.dataSource,
    'one',
    () => undefined,
    () => (told += 1),
  );
  await listener.start();
  const client = fake.clients.at(-1)!;
  beforeBreak(client);
  client.emit('error', new Error('terminating connection due to administrator command'));
  return { listener, told: () => told };
}

describe('PostgresListener (shared LISTEN connection)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('a listener added while the broken connection is released reconnects once: no second connection taken and never given back, and the earlier listener is told', async () => {
    const fake = fakeDataSource();
    let unlisten!: () => void;
    const first = await listenThenBreak(fake, (broken) => {
      broken.holdUnlisten = new Promise<void>((resolve) => (unlisten = resolve));
    });
    // While the broken connection's UNLISTEN is pending, a second listener starts and connects.
    const second = new PostgresListener(fake.dataSource, 'two', () => undefined);
    await second.start();
    unlisten();
    await jest.advanceTimersByTimeAsync(10_000); // the reconnection retry's backoff
    expect({ connections: fake.clients.length, told: first.told() }).toEqual({ connections: 2, told: 1 });
    expect(fake.clients[1].statements).toEqual(expect.arrayContaining(['LISTEN "one"', 'LISTEN "two"']));
    await Promise.all([first.listener.close(), second.close()]);
    expect(fake.released()).toBe(2);
  });

  it("when a reconnection retry joins a new listener's first attempt and that fails, the retries go on", async () => {
    const fake = fakeDataSource();
    const first = await listenThenBreak(fake);
    await jest.advanceTimersByTimeAsync(0); // the broken connection released, a retry scheduled
    const fail = fake.holdNextConnectThenFail();
    const second = new PostgresListener(fake.dataSource, 'two', () => undefined).start(); // its attempt hangs
    await jest.advanceTimersByTimeAsync(1000); // the retry comes due while that attempt is in flight
    fail();
    await expect(second).rejects.toThrow(/ECONNREFUSED/);
    await jest.advanceTimersByTimeAsync(10_000);
    expect({ connections: fake.clients.length, told: first.told() }).toEqual({ connections: 2, told: 1 });
    expect(fake.clients[1].statements).toContain('LISTEN "one"');
    await first.listener.close();
  });
});
