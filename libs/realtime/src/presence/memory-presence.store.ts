import type { PresenceNode, PresenceStore, PresenceTotals, UserSockets } from './presence-store.js';

/** Presence shared by the in-process nodes that use it (tests, single process). */
export class MemoryPresenceHub {
  /** The hub nodes share unless given another. */
  static readonly shared = new MemoryPresenceHub();
  /** node → (user → sockets) */
  readonly nodes = new Map<string, Map<string, number>>();
  readonly registeredAt = new Map<string, number>();
}

/** In-memory `PresenceStore`: one process only. */
export class MemoryPresenceStore implements PresenceStore {
  constructor(private readonly hub: MemoryPresenceHub = MemoryPresenceHub.shared) {}

  async init(): Promise<void> {}

  async register(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    const entries = new Map([...counts].filter(([, n]) => n > 0));
    this.hub.nodes.set(nodeId, entries);
    this.hub.registeredAt.set(nodeId, Date.now());
  }

  async connect(nodeId: string, userId: string): Promise<boolean> {
    const node = this.hub.nodes.get(nodeId);
    if (!node) return false;
    node.set(userId, (node.get(userId) ?? 0) + 1);
    return true;
  }

  async disconnect(nodeId: string, userId: string): Promise<boolean> {
    const node = this.hub.nodes.get(nodeId);
    if (!node) return false;
    const n = node.get(userId) ?? 0;
    if (n <= 1) node.delete(userId);
    else node.set(userId, n - 1);
    return true;
  }

  async remove(nodeId: string): Promise<void> {
    this.hub.nodes.delete(nodeId);
    this.hub.registeredAt.delete(nodeId);
  }

  async user(userId: string): Promise<UserSockets[]> {
    const found: UserSockets[] = [];
    for (const [nodeId, users] of this.hub.nodes) {
      const sockets = users.get(userId);
      if (sockets) found.push({ nodeId, sockets });
    }
    return found;
  }

  async totals(): Promise<PresenceTotals> {
    const users = new Set<string>();
    let sockets = 0;
    for (const node of this.hub.nodes.values()) {
      for (const [user, n] of node) {
        users.add(user);
        sockets += n;
      }
    }
    return { users: users.size, sockets };
  }

  async nodes(): Promise<PresenceNode[]> {
    const now = Date.now();
    return [...this.hub.registeredAt].map(([nodeId, at]) => ({ nodeId, registeredAgo: now - at }));
  }
}
