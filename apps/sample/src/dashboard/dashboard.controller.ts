import { Controller, Get, HttpCode, NotFoundException, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { loadDashboardAssets } from './dashboard-assets.js';
import type { DashboardSnapshot } from './dashboard-snapshot.js';
import { DashboardState } from './dashboard-state.service.js';

/**
 * The live dashboard, served by every replica: `GET /` (the page), `GET /dashboard/<file>` (its script, style and
 * the Socket.IO client), `GET /dashboard/state` (this replica's snapshot as JSON, for monitors) and
 * `POST /dashboard/dead-letters/replay`.
 */
@Controller()
export class DashboardController {
  private readonly assets = loadDashboardAssets();

  constructor(private readonly state: DashboardState) {}

  @Get()
  page(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  @Get('dashboard/state')
  snapshot(): Promise<DashboardSnapshot> {
    return this.state.snapshot();
  }

  /** Replays every dead letter, events and jobs: `{ events, jobs }` replayed. */
  @Post('dashboard/dead-letters/replay')
  @HttpCode(200)
  replay(): Promise<{ events: number; jobs: number }> {
    return this.state.replayDeadLetters();
  }

  @Get('dashboard/:file')
  file(@Param('file') file: string, @Res() response: Response): void {
    this.send(response, file);
  }

  private send(response: Response, name: string): void {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException(`no dashboard file ${name}`);
    response.setHeader('content-type', asset.type);
    response.setHeader('cache-control', 'no-cache');
    response.send(asset.body);
  }
}
