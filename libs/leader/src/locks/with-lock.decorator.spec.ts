import { describe, expect, it } from '@jest/globals';
import { InvalidDecoratorUsageError } from '@shoal/cluster';
import { WithLock } from './with-lock.decorator.js';

describe('@WithLock()', () => {
  it('refuses bad arguments when the class is defined', () => {
    expect(() => {
      class Bad {
        @WithLock('')
        run(): void {}
      }
      return Bad;
    }).toThrow(InvalidDecoratorUsageError);
    expect(() => {
      class Bad {
        @WithLock('k', { ttl: 0 })
        run(): void {}
      }
      return Bad;
    }).toThrow(/ttl must be a whole number/);
  });

  it('refuses to run unlocked when no LeaderModule bound the instance', async () => {
    class Counter {
      @WithLock('counter')
      async increment(): Promise<void> {}
    }
    await expect(new Counter().increment()).rejects.toThrow(
      /no LockService is bound to this instance \(LeaderModule not imported/,
    );
  });
});
