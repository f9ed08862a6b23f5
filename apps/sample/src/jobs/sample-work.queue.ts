import { defineQueue } from '@shoal/jobs';
import { z } from 'zod';

/** The sample's queue: `record` jobs, typed at enqueue from this schema. */
export const sampleWork = defineQueue({
  name: 'sample-work',
  jobs: {
    record: z.object({ key: z.string().min(1), ms: z.number().int().min(0).max(60_000).optional() }),
  },
});
