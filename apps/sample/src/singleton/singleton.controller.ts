import { BadRequestException, ConflictException, Controller, Get, Post, Query } from '@nestjs/common';
import { SingletonRuns, type SingletonRunRow, type SlowWriteResult } from './singleton-runs.service.js';

function boundedInt(raw: string | undefined, fallback: number, max: number, name: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BadRequestException(`${name} must be a whole number from 1 to ${max}`);
  }
  return value;
}

/** The singleton task's record, and a deliberately slow fenced write. */
@Controller('singleton')
export class SingletonController {
  constructor(private readonly runs: SingletonRuns) {}

  /** `GET /singleton/runs?limit=N`: the latest runs, newest first (default 20, at most 10,000). */
  @Get('runs')
  latest(@Query('limit') limit?: string): Promise<SingletonRunRow[]> {
    return this.runs.latest(boundedInt(limit, 20, 10_000, 'limit'));
  }

  /** `GET /singleton/status`: how often this node lost the lease, and how many slow writes saw their abort signal. */
  @Get('status')
  status(): { lostEvents: number; aborts: number } {
    return this.runs.status();
  }

  /** `POST /singleton/slow-write?delayMs=N`: on the leader, a fenced write N ms from now with today's token. */
  @Post('slow-write')
  async slowWrite(@Query('delayMs') delayMs?: string): Promise<SlowWriteResult> {
    const result = await this.runs.slowWrite(boundedInt(delayMs, 1000, 60_000, 'delayMs'));
    if (!result) throw new ConflictException('this node is not the leader');
    return result;
  }
}
