import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { MESSAGING_CONFIG } from '../messaging.constants.js';
import type { MessagingConfig } from '../messaging-config.js';
import { describeError } from '../server/run-handler.js';

/** Why an entity was passivated: idle past its type's `passivateAfterMs`, or its shard left this node. */
export type PassivationReason = 'idle' | 'handed-over';

/** Drops the app's in-memory state of entity `key`; the next message for it loads it again. */
export type PassivationHook = (key: string, reason: PassivationReason) => void | Promise<void>;

interface Active {
  readonly type: string;
  readonly key: string;
  readonly shard: number;
  /** Messages of the entity running now (0 or 1: a shard runs one message at a time). */
  running: number;
  lastActive: number;
}

/**
 * Which entities are active on this node, and their passivation. Entity state is the app's: a handler loads it on
 * the entity's first message (`ShoalContext.getEntity().firstMessage`) and keeps it while the entity is active.
 * An entity is passivated — the `onPassivate` hooks of its type run, then it is inactive — when it stayed idle
 * for its type's `passivateAfterMs` (option `entities`), or at once when its shard leaves this node. A message for
 * an entity being passivated waits for the hooks, then activates it again; a running entity is never passivated.
 */
@Injectable()
export class EntityLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Messaging');
  private readonly active = new Map<string, Active>();
  private readonly passivating = new Map<string, Promise<void>>();
  private readonly hooks = new Map<string, Set<PassivationHook>>();
  private timer?: NodeJS.Timeout;

  constructor(@Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig) {
    const afters = Object.values(config.entities).map((e) => e.passivateAfterMs);
    if (afters.length > 0) {
      const every = Math.max(10, Math.floor(Math.min(...afters) / 2));
      this.timer = setInterval(() => void this.passivateIdle(), every);
      this.timer.unref();
    }
  }

  /** Runs `hook` whenever an entity of `type` is passivated on this node; returns the unsubscribe. */
  onPassivate(type: string, hook: PassivationHook): () => void {
    const set = this.hooks.get(type) ?? new Set<PassivationHook>();
    this.hooks.set(type, set);
    set.add(hook);
    return () => set.delete(hook);
  }

  /** Whether entity `type`/`key` is active on this node (its state loaded, not passivated since). */
  isActive(type: string, key: string): boolean {
    return this.active.has(id(type, key));
  }

  /** Keys of the active entities of `type` on this node. */
  activeKeys(type: string): string[] {
    return [...this.active.values()].filter((e) => e.type === type).map((e) => e.key);
  }

  /**
   * Passivates every entity idle for at least its type's `passivateAfterMs` (types without the option stay
   * active); the timer calls it on its own, every half of the shortest `passivateAfterMs`. Resolves with how
   * many were passivated, after their hooks ran.
   */
  async passivateIdle(now = performance.now()): Promise<number> {
    const due: Active[] = [];
    for (const entity of this.active.values()) {
      const after = this.config.entities[entity.type]?.passivateAfterMs;
      if (after !== undefined && entity.running === 0 && now - entity.lastActive >= after) due.push(entity);
    }
    await Promise.all(due.map((entity) => this.passivate(entity, 'idle')));
    return due.length;
  }

  /** @internal A message of the entity starts; true if it activates the entity (the app loads its state). */
  async begin(type: string, key: string, shard: number): Promise<boolean> {
    const entityId = id(type, key);
    await this.passivating.get(entityId);
    const entity = this.active.get(entityId);
    if (entity) {
      entity.running += 1;
      return false;
    }
    this.active.set(entityId, { type, key, shard, running: 1, lastActive: performance.now() });
    return true;
  }

  /** @internal The message of the entity that `begin` started is done. */
  end(type: string, key: string): void {
    const entity = this.active.get(id(type, key));
    if (!entity) return;
    entity.running = Math.max(0, entity.running - 1);
    entity.lastActive = performance.now();
  }

  /** @internal Shard `shard` left this node: its entities are passivated now. */
  async handOver(shard: number): Promise<void> {
    const leaving = [...this.active.values()].filter((e) => e.shard === shard);
    await Promise.all(leaving.map((entity) => this.passivate(entity, 'handed-over')));
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private passivate(entity: Active, reason: PassivationReason): Promise<void> {
    const entityId = id(entity.type, entity.key);
    if (this.active.get(entityId) !== entity) return this.passivating.get(entityId) ?? Promise.resolve();
    this.active.delete(entityId);
    const hooks = [...(this.hooks.get(entity.type) ?? [])];
    const done = Promise.all(
      hooks.map(async (hook) => {
        try {
          await hook(entity.key, reason);
        } catch (error) {
          this.logger.warn(
            `passivating ${entity.type} "${entity.key}": hook failed: ${describeError(error)}`,
          );
        }
      }),
    ).then(() => {
      if (this.passivating.get(entityId) === done) this.passivating.delete(entityId);
    });
    this.passivating.set(entityId, done);
    return done;
  }
}

function id(type: string, key: string): string {
  return `${type}\u0000${key}`;
}
