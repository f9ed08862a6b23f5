import { describe, expect, it } from '@jest/globals';
import { freePort } from './free-port.js';

describe('freePort', () => {
  it('never hands this process the same port twice (3,000 in a row, none bound in between)', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 3000; i += 1) ports.push(await freePort());
    expect(ports.length - new Set(ports).size).toBe(0);
  });
});
