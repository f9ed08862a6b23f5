import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { userOf } from '../gateway/local-sockets.js';

/**
 * The user `authenticate` returned for the socket of a gateway message handler (undefined without
 * `authenticate`): `@SubscribeMessage('join') join(@SocketUser() user: RealtimeUser, ...)`.
 */
export const SocketUser = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  userOf(context.switchToWs().getClient<Socket>()),
);
