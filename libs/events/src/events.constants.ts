/** Injection token of the validated `EventsConfig`. */
export const EVENTS_CONFIG = Symbol('shoal:events-config');
/** Injection token of the `EventTransport` in use. */
export const EVENT_TRANSPORT = Symbol('shoal:event-transport');
/** Injection token of the `DeadLetterStore` in use. */
export const DEAD_LETTER_STORE = Symbol('shoal:dead-letter-store');
/** Header of a replayed dead letter: only this handler (group) takes it. */
export const REPLAY_FOR_HEADER = 'x-shoal-replay-for';
