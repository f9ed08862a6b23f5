import { describe, expect, it } from '@jest/globals';
import { chooseJobsBackend } from './create-backend.js';

describe('chooseJobsBackend', () => {
  it('picks BullMQ when ClusterModule has Redis, pg-boss on Postgres alone, and the option when set', () => {
    expect(chooseJobsBackend({ hasRedis: true, hasPostgres: true }, {})).toBe('redis');
    expect(chooseJobsBackend({ hasRedis: true, hasPostgres: false }, {})).toBe('redis');
    expect(chooseJobsBackend({ hasRedis: false, hasPostgres: true }, {})).toBe('postgres');
    expect(chooseJobsBackend({ hasRedis: true, hasPostgres: true }, { backend: 'postgres' })).toBe(
      'postgres',
    );
  });
});
