import type { EventEnvelope } from './event-envelope.js';
import { uuidv7 } from './uuid-v7.js';

/** A valid envelope of `type` for tests (not part of the build). */
export function testEnvelope(type: string, payload: unknown = {}, source = 'test'): EventEnvelope {
  const id = uuidv7();
  return {
    id,
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    source,
    correlationId: id,
    headers: {},
    payload,
  };
}
