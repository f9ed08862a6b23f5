/** Injection token of the validated `ClusterConfig`. */
export const CLUSTER_CONFIG = Symbol('shoal:cluster-config');
/** Injection token of this node's `NodeInfo`. */
export const NODE_INFO = Symbol('shoal:node-info');
/** Injection token of the `MembershipStore` in use. */
export const MEMBERSHIP_STORE = Symbol('shoal:membership-store');
/** Response header naming the node that served a request (with `nodeHeader: true`). */
export const NODE_HEADER = 'x-shoal-node';
