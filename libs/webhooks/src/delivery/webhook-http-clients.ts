import type { WebhookTargetPolicy } from '../endpoints/webhook-store.js';
import { SsrfGuard } from '../ssrf/ssrf-guard.js';
import { WebhookHttpClient } from './webhook-http-client.js';

/**
 * One `WebhookHttpClient` (keep-alive pool + SSRF guard) per target policy in use: endpoints carry the policy they
 * were created under, and there are only ever a few distinct ones.
 */
export class WebhookHttpClients {
  private readonly clients = new Map<string, { guard: SsrfGuard; client?: WebhookHttpClient }>();

  constructor(private readonly options: { connectTimeoutMs: number; timeoutMs: number }) {}

  /** The guard of `policy`. */
  guard(policy: WebhookTargetPolicy): SsrfGuard {
    return this.entry(policy).guard;
  }

  /** The client whose every connection is checked against `policy`. */
  for(policy: WebhookTargetPolicy): WebhookHttpClient {
    const entry = this.entry(policy);
    entry.client ??= new WebhookHttpClient({ guard: entry.guard, ...this.options });
    return entry.client;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((c) => c.client?.close()));
  }

  private entry(policy: WebhookTargetPolicy) {
    const key = `${policy.allowPrivateNetworks}|${[...policy.allowList].sort().join(',')}`;
    let entry = this.clients.get(key);
    if (!entry) {
      const guard = new SsrfGuard({
        allowPrivateNetworks: policy.allowPrivateNetworks,
        allowList: policy.allowList,
      });
      this.clients.set(key, (entry = { guard }));
    }
    return entry;
  }
}
