import type { Socket } from 'socket.io';

/** What a client sent when it connected: headers, query, `auth` payload, address. */
export type Handshake = Socket['handshake'];
