import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { z } from 'zod';

const joinRoom = z.strictObject({ room: z.string().min(1).max(200) });

/**
 * The live feed: namespace `/live` on the app's HTTP port. RealtimeModule authenticates the handshake (a token
 * from `POST /auth/token`) and puts each socket in its user's room, `user:<userId>`.
 */
@WebSocketGateway({ namespace: '/live' })
export class LiveGateway {
  /** Client event `join` `{ room }`: joins the room on this socket; acks `{ ok: true }`. */
  @SubscribeMessage('join')
  async join(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<{ ok: boolean; error?: string }> {
    const parsed = joinRoom.safeParse(body);
    if (!parsed.success) return { ok: false, error: 'join needs { room: string }' };
    await socket.join(parsed.data.room);
    return { ok: true };
  }
}
