import { BadRequestException, Controller, Get, Post, Query } from '@nestjs/common';
import { JobDeadLetters, JobsService } from '@shoal/jobs';
import { SampleJobsProcessor } from './sample-jobs.processor.js';
import { sampleWork } from './sample-work.queue.js';

/** `POST /jobs/bulk`, `GET /jobs/stats`, `GET /jobs/dead`. */
@Controller('jobs')
export class SampleJobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly processor: SampleJobsProcessor,
    private readonly deadLetters: JobDeadLetters,
  ) {}

  /** `POST /jobs/bulk?count=N&ms=M&batch=b`: enqueues N `record` jobs with keys `<batch>-<i>`. */
  @Post('bulk')
  async bulk(
    @Query('count') count = '100',
    @Query('ms') ms = '0',
    @Query('batch') batch = 'b',
  ): Promise<{ enqueued: number }> {
    const n = Number(count);
    const wait = Number(ms);
    if (!Number.isInteger(n) || n < 1 || n > 100_000 || !Number.isInteger(wait) || wait < 0) {
      throw new BadRequestException('count must be 1-100000 and ms ≥ 0');
    }
    for (let i = 0; i < n; i += 500) {
      const chunk = Array.from({ length: Math.min(500, n - i) }, (_, j) =>
        this.jobs.enqueue(sampleWork, 'record', { key: `${batch}-${i + j}`, ms: wait }),
      );
      await Promise.all(chunk);
    }
    return { enqueued: n };
  }

  @Get('stats')
  async stats() {
    const counts = await this.jobs.counts(sampleWork);
    return { ...(await this.processor.stats()), activeHere: this.processor.activeHere, counts };
  }

  @Get('dead')
  dead() {
    return this.deadLetters.list(sampleWork.name);
  }
}
