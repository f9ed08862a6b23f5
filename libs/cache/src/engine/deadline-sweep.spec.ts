import { describe, expect, it } from '@jest/globals';
import { OperationTimeoutError } from '@shoal/cluster/internal';
import { DeadlineSweep } from './deadline-sweep.js';

describe('DeadlineSweep: a time bound without a timer per operation', () => {
  it('passes values and errors through, and rejects an operation that never settles', async () => {
    const sweep = new DeadlineSweep(20);
    const failure = new Error('refused');
    await expect(sweep.bound(Promise.resolve('value'), 'GET')).resolves.toBe('value');
    await expect(sweep.bound(Promise.reject(failure), 'GET')).rejects.toBe(failure);
    const stuck = sweep.bound(new Promise<never>(() => undefined), 'cache L2 GET');
    await expect(stuck).rejects.toBeInstanceOf(OperationTimeoutError);
    await expect(stuck).rejects.toThrow(/cache L2 GET/);
    // Once nothing is pending the sweep stops, and starts again for the next operation.
    await expect(sweep.bound(new Promise<never>(() => undefined), 'again')).rejects.toThrow(/again/);
  });
});
