/** Injection token of a registered queue's BullMQ `Queue` (what `@InjectQueue(name)` injects). */
export function queueToken(name: string): string {
  return `shoal:queue:${name}`;
}
