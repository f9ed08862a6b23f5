import { Controller, Injectable } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';

/** The README's gateway, feed and controller, for the module example that wires them. */
@WebSocketGateway({ namespace: '/live' })
export class LiveGateway {}

@Injectable()
export class OrderFeed {}

@Controller('live')
export class LiveController {}
