/** Injection token of a registered queue (`RegisteredQueue`), for `@Inject(queueToken('emails'))`. */
export function queueToken(name: string): string {
  return `shoal:queue:${name}`;
}
