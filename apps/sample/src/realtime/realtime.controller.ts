import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Sse,
  type MessageEvent,
} from '@nestjs/common';
import { PresenceService, RealtimeService, type UserPresence } from '@shoal/realtime';
import type { Observable } from 'rxjs';
import { z } from 'zod';

const name = z.string().min(1).max(200);
const roomEmit = z.strictObject({ room: name, event: name, data: z.unknown().optional() });
const userEmit = z.strictObject({ event: name, data: z.unknown().optional() });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new BadRequestException(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}

/** Emits, presence, socket queries and SSE of the live feed (namespace `/live`), from any replica. */
@Controller('realtime')
export class RealtimeController {
  constructor(
    private readonly realtime: RealtimeService,
    private readonly presence: PresenceService,
  ) {}

  /** `POST /realtime/emit {room, event, data}`: to every socket in the room, on every replica. */
  @Post('emit')
  @HttpCode(200)
  emit(@Body() body: unknown): { ok: true } {
    const { room, event, data } = parse(roomEmit, body);
    this.realtime.to(room).emit(event, data);
    return { ok: true };
  }

  /** `POST /realtime/users/:userId/emit {event, data}`: to every socket of the user, on every replica. */
  @Post('users/:userId/emit')
  @HttpCode(200)
  emitToUser(@Param('userId') userId: string, @Body() body: unknown): { ok: true } {
    const { event, data } = parse(userEmit, body);
    this.realtime.toUser(parse(name, userId)).emit(event, data);
    return { ok: true };
  }

  /** `GET /realtime/presence`: `{ users, sockets }`, cluster-wide. */
  @Get('presence')
  totals(): Promise<{ users: number; sockets: number }> {
    return this.presence.totals();
  }

  /** `GET /realtime/presence/:userId`: `{ online, sockets, nodes }`. */
  @Get('presence/:userId')
  user(@Param('userId') userId: string): Promise<UserPresence> {
    return this.presence.sockets(userId);
  }

  /**
   * `GET /realtime/sockets?room=r`: the sockets (of a room, or all) on every replica that answered within the
   * query timeout, `{ count, sockets: [{ id, nodeId, userId, rooms }], tookMs }`.
   */
  @Get('sockets')
  async sockets(@Query('room') room?: string) {
    const started = Date.now();
    const selection = room ? this.realtime.in(room) : this.realtime.of('/live');
    const sockets = await selection.fetchSockets();
    return {
      count: sockets.length,
      sockets: sockets.map(({ id, nodeId, userId, rooms }) => ({ id, nodeId, userId, rooms })),
      tookMs: Date.now() - started,
    };
  }

  /** `GET /realtime/sse/:room`: the room's events as `text/event-stream` (`event:` name, `data:` JSON). */
  @Sse('sse/:room')
  sse(@Param('room') room: string, @Headers('last-event-id') lastEventId?: string): Observable<MessageEvent> {
    return this.realtime.roomEvents(parse(name, room), { lastEventId });
  }
}
