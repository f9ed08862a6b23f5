import { describe, expect, it } from '@jest/globals';
import { InvalidDecoratorUsageError } from '@shoal/cluster';
import { Processor } from './processor.decorator.js';

describe('@Processor()', () => {
  it('stores the queue name, given as a string or as { name }', () => {
    @Processor('emails')
    class ByString {}
    @Processor({ name: 'sms' })
    class ByObject {}
    expect(Reflect.getMetadata(Processor.KEY, ByString)).toBe('emails');
    expect(Reflect.getMetadata(Processor.KEY, ByObject)).toBe('sms');
  });

  it('refuses a queue name that cannot be registered, when the class is defined', () => {
    expect(() => {
      @Processor('no spaces')
      class Bad {}
      return Bad;
    }).toThrow(InvalidDecoratorUsageError);
    expect(() => Processor('' as string)(class Empty {})).toThrow(/queue name must be 1-100/);
  });
});
