import { BadRequestException, Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { FlagsService, type Flag, type FlagView } from './flags.service.js';

const flagName = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 letters, digits, . _ -');
const flagBody = z.strictObject({ enabled: z.boolean() });

function checkName(name: string): string {
  const parsed = flagName.safeParse(name);
  if (!parsed.success) throw new BadRequestException(`flag name ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** Feature flags: `PUT /flags/:name {enabled}`, `GET /flags/:name`, `GET /flags/stats`. */
@Controller('flags')
export class FlagsController {
  constructor(private readonly flags: FlagsService) {}

  /** Origin loads counted on this replica since start (and the cluster's total). */
  @Get('stats')
  stats() {
    return this.flags.stats();
  }

  /**
   * `{ name, enabled, version, servedFrom: 'l1' | 'l2' | 'origin' }`; `?loadMs=N` slows the origin load,
   * `?singleFlight=false` turns cluster-wide single flight off for this read.
   */
  @Get(':name')
  read(
    @Param('name') name: string,
    @Query('loadMs') loadMs?: string,
    @Query('singleFlight') singleFlight?: string,
  ): Promise<FlagView> {
    const delay = loadMs === undefined ? 0 : Number(loadMs);
    if (!Number.isInteger(delay) || delay < 0 || delay > 60_000) {
      throw new BadRequestException('loadMs must be 0-60000');
    }
    return this.flags.read(checkName(name), delay, singleFlight !== 'false');
  }

  /** Writes the row and invalidates the cached flag in the same transaction. */
  @Put(':name')
  write(@Param('name') name: string, @Body() body: unknown): Promise<Flag> {
    const parsed = flagBody.safeParse(body);
    if (!parsed.success) throw new BadRequestException('body must be {"enabled": true | false}');
    return this.flags.write(checkName(name), parsed.data.enabled);
  }
}
