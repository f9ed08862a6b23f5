/**
 * Carries Shoal's own small messages between replicas (cluster-wide socket queries and their answers), beside
 * whatever the Socket.IO adapter carries. Delivery is best effort: a lost message shows up as a node that did not
 * answer in time.
 */
export interface ClusterMessenger {
  /**
   * Starts receiving. `onMessage` gets every message sent to all nodes (only when `receiveBroadcasts`) and every
   * message sent to this node.
   */
  start(onMessage: (message: string) => void, receiveBroadcasts: boolean): Promise<void>;
  /** Sends to every replica that receives broadcasts. */
  broadcast(message: string): Promise<void>;
  /** Sends to one replica. */
  sendTo(nodeId: string, message: string): Promise<void>;
  close(): Promise<void>;
}
