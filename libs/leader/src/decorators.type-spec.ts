/**
 * Compile-time checks of the leader decorators' types (run by `npm run typecheck`; an unused `@ts-expect-error` fails
 * it). Nothing here runs.
 */
import { Singleton, type SingletonResult } from './singleton/singleton.decorator.js';
import { WithLock } from './locks/with-lock.decorator.js';

export class SingletonTypes {
  @Singleton()
  maySkip(): SingletonResult<number> {
    return 1;
  }

  @Singleton()
  async maySkipLater(): Promise<SingletonResult<string>> {
    return 'ran';
  }

  @Singleton()
  async nothingToReturn(): Promise<void> {}

  // @ts-expect-error a skipped call returns undefined: the return type must admit it
  @Singleton()
  claimsAlways(): number {
    return 1;
  }

  // @ts-expect-error likewise for a promise
  @Singleton()
  async claimsAlwaysLater(): Promise<string> {
    return 'ran';
  }
}

export class WithLockTypes {
  @WithLock((accountId: string) => `account:${accountId}`)
  async byAccount(accountId: string, amount: number): Promise<void> {
    void accountId;
    void amount;
  }

  @WithLock('nightly-report')
  async fixed(): Promise<void> {}

  @WithLock((id) => `item:${String(id)}`)
  async untypedKey(id: string): Promise<void> {
    void id;
  }

  // @ts-expect-error the key function takes a number, the method a string
  @WithLock((id: number) => `item:${id}`)
  async mismatched(id: string): Promise<void> {
    void id;
  }
}
