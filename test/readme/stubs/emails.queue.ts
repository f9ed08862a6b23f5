import { defineQueue } from '@shoal/jobs';
import { z } from 'zod';

/** The README's `emails` queue (the block that defines it is checked on its own too). */
export const emails = defineQueue({
  name: 'emails',
  concurrency: 20,
  limiter: { max: 100, duration: 1000 },
  maxWaiting: 50_000,
  jobs: { 'send-receipt': z.object({ orderId: z.uuid(), to: z.email() }) },
});
