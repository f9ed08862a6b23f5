/**
 * Derived keys by key, bounded: when `bound` keys are held it starts over. A lookup of a key seen before returns
 * the same string, whose hash V8 keeps, instead of building and hashing a new one (most of an L1 hit's cost).
 */
export class KeyMemo {
  private readonly derived = new Map<string, string>();

  constructor(
    private readonly bound: number,
    private readonly derive: (key: string) => string,
  ) {}

  get(key: string): string {
    let derived = this.derived.get(key);
    if (derived === undefined) {
      if (this.derived.size >= this.bound) this.derived.clear();
      derived = this.derive(key);
      this.derived.set(key, derived);
    }
    return derived;
  }
}
