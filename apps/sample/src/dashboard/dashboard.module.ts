import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';
import { DashboardPush } from './dashboard-push.service.js';
import { DashboardState } from './dashboard-state.service.js';

/**
 * The sample's live dashboard on `GET /`: members, leader, shards, queues, outbox, orders, webhooks and presence,
 * pushed over Socket.IO (`/live`, room `dashboard`). Uses only the global Shoal modules' public services.
 */
@Module({
  controllers: [DashboardController],
  providers: [DashboardState, DashboardPush],
})
export class DashboardModule {}
