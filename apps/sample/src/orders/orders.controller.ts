import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { OrderHandlers } from './order-handlers.js';
import { OrdersService, type OrderView } from './orders.service.js';

/** The request's shape; what makes an order valid (a positive total…) is the `OrderPlaced` event's schema. */
const placeOrder = z.strictObject({ userId: z.string().min(1).max(200), total: z.number() });

/** Orders: each one stored with its `OrderPlaced` event in one transaction. */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly handlers: OrderHandlers,
  ) {}

  /**
   * `POST /orders {userId, total}` (`?fail=true` rolls the transaction back after publishing). An order its event's
   * schema refuses (total ≤ 0) answers 400 with the validation message, through `ShoalExceptionFilter`.
   */
  @Post()
  async place(
    @Body() body: unknown,
    @Query('fail') fail?: string,
  ): Promise<{ order: OrderView; eventId: string }> {
    const parsed = placeOrder.safeParse(body);
    if (!parsed.success)
      throw new BadRequestException(parsed.error.issues.map((i) => `${i.path}: ${i.message}`));
    return this.orders.place(parsed.data.userId, parsed.data.total, fail === 'true');
  }

  /** `POST /orders/bulk?count=N&users=a,b`: N orders, one transaction each, round-robin over the users. */
  @Post('bulk')
  async bulk(@Query('count') count = '100', @Query('users') users = 'bulk'): Promise<{ created: number }> {
    const n = Number(count);
    const ids = users.split(',').filter(Boolean);
    if (!Number.isInteger(n) || n < 1 || n > 10_000 || ids.length === 0) {
      throw new BadRequestException('count must be 1-10000 and users a comma-separated list');
    }
    for (let i = 0; i < n; i += 1) await this.orders.place(ids[i % ids.length], 1 + (i % 50));
    return { created: n };
  }

  /** `GET /orders/stats?userId=x`: orders, handled events, deliveries; and this node's broadcast count. */
  @Get('stats')
  async stats(@Query('userId') userId?: string) {
    return { ...(await this.orders.stats(userId)), broadcastSeenHere: this.handlers.seenByBroadcast };
  }

  /** `GET /orders/sequences`: per user, the order numbers the ordered handler saw, in order. */
  @Get('sequences')
  sequences(): Promise<Record<string, number[]>> {
    return this.orders.sequences();
  }

  /** `GET /orders/:id`: the order and which node handled its event. */
  @Get(':id')
  async find(@Param('id') id: string): Promise<OrderView> {
    if (!z.uuid().safeParse(id).success) throw new BadRequestException('id must be a UUID');
    const order = await this.orders.find(id);
    if (!order) throw new NotFoundException(`no order ${id}`);
    return order;
  }
}
