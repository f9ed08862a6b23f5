/** Injection token of the validated `MessagingConfig`. */
export const MESSAGING_CONFIG = Symbol('shoal:messaging-config');
/** `transportId` of the Shoal transport, as Nest's own transports have `Transport.REDIS` etc. */
export const SHOAL_TRANSPORT = Symbol('shoal:transport');
