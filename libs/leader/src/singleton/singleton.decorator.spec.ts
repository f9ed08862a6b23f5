import { describe, expect, it } from '@jest/globals';
import { Interval } from '@nestjs/schedule';
import { InvalidDecoratorUsageError } from '@shoal/cluster';
import { unwrapMethod } from '../method-wrapping.js';
import { Singleton, SingletonMarker } from './singleton.decorator.js';

const metadataOf = (fn: unknown) =>
  Object.fromEntries(
    Reflect.getOwnMetadataKeys(fn as object).map((k) => [String(k), Reflect.getOwnMetadata(k, fn as object)]),
  );

describe('@Singleton()', () => {
  it('keeps @Interval metadata whichever decorator comes first', () => {
    class Jobs {
      @Singleton()
      @Interval(1000)
      below(): void {}

      @Interval(1000)
      @Singleton()
      above(): void {}

      @Interval(1000)
      plain(): void {}
    }
    const plain = metadataOf(Jobs.prototype.plain);
    expect(Object.keys(plain).length).toBeGreaterThan(0);
    for (const method of [Jobs.prototype.below, Jobs.prototype.above]) {
      expect(metadataOf(method)).toMatchObject(plain);
      expect(Reflect.getMetadata(SingletonMarker.KEY, method)).toMatchObject({
        lease: 'leader',
        process: false,
      });
    }
    expect(Jobs.prototype.below.name).toBe('below');
  });

  it('skips the call (undefined) when no LeaderModule bound the instance', () => {
    class Jobs {
      calls = 0;
      @Singleton()
      run(): number | undefined {
        return (this.calls += 1);
      }
    }
    const jobs = new Jobs();
    expect(jobs.run()).toBeUndefined();
    expect(jobs.calls).toBe(0);
    expect(unwrapMethod(Jobs.prototype.run as () => unknown)).not.toBe(Jobs.prototype.run);
  });

  it("names its own lease after the method with { lease: 'own' }", () => {
    class Reports {
      @Singleton({ lease: 'own' })
      nightly(): void {}
    }
    expect(Reflect.getMetadata(SingletonMarker.KEY, Reports.prototype.nightly)).toMatchObject({
      lease: 'singleton:Reports.nightly',
    });
  });

  it('refuses an empty or malformed lease name and unknown options when the class is defined', () => {
    expect(() => {
      class Bad {
        @Singleton({ lease: '' })
        run(): void {}
      }
      return Bad;
    }).toThrow(InvalidDecoratorUsageError);
    expect(() => {
      class Bad {
        @Singleton({ lease: 'has space' })
        run(): void {}
      }
      return Bad;
    }).toThrow(/lease "has space" must be/);
    expect(() => {
      class Bad {
        @Singleton({ leese: 'x' } as never)
        run(): void {}
      }
      return Bad;
    }).toThrow(/unknown option\(s\) leese/);
  });
});
