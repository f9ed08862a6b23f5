/**
 * Fencing tokens of single-flight loads in progress, by L2 item key. The loader registers its token right before
 * BentoCache writes the value; the Redis driver takes it and writes only if no newer loader wrote since. Bento's
 * in-process lock lets one load per key run at a time in this process, so one slot per key is enough.
 */
export class FenceRegistry {
  private readonly tokens = new Map<string, number>();
  private readonly rejected = new Set<string>();

  expect(itemKey: string, token: number): void {
    this.tokens.set(itemKey, token);
  }

  take(itemKey: string): number | undefined {
    const token = this.tokens.get(itemKey);
    if (token !== undefined) this.tokens.delete(itemKey);
    return token;
  }

  /** The driver refused a deposed loader's write. */
  markRejected(itemKey: string): void {
    this.rejected.add(itemKey);
  }

  /** Whether the write for `itemKey` was refused (clears the mark and any token left behind). */
  settle(itemKey: string): boolean {
    this.tokens.delete(itemKey);
    return this.rejected.delete(itemKey);
  }
}
