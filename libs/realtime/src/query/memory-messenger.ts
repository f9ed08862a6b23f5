import type { ClusterMessenger } from './cluster-messenger.js';

/** The in-process bus memory messengers share. */
export class MemoryMessengerHub {
  static readonly shared = new MemoryMessengerHub();
  readonly members = new Map<string, { onMessage: (message: string) => void; broadcasts: boolean }>();
}

/** In-process messenger: one process only. */
export class MemoryMessenger implements ClusterMessenger {
  constructor(
    private readonly nodeId: string,
    private readonly hub: MemoryMessengerHub = MemoryMessengerHub.shared,
  ) {}

  async start(onMessage: (message: string) => void, receiveBroadcasts: boolean): Promise<void> {
    this.hub.members.set(this.nodeId, { onMessage, broadcasts: receiveBroadcasts });
  }

  async broadcast(message: string): Promise<void> {
    for (const member of this.hub.members.values()) {
      if (member.broadcasts) queueMicrotask(() => member.onMessage(message));
    }
  }

  async sendTo(nodeId: string, message: string): Promise<void> {
    const member = this.hub.members.get(nodeId);
    if (member) queueMicrotask(() => member.onMessage(message));
  }

  async close(): Promise<void> {
    this.hub.members.delete(this.nodeId);
  }
}
