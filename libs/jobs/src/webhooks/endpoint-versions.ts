import type { RedisClient } from '@shoal/cluster';

/** A cluster-wide version of the webhook endpoints: every change bumps it, so nodes know when to re-read. */
export interface EndpointVersions {
  current(): Promise<string>;
  bump(): Promise<void>;
}

/** Endpoint versions in one Redis counter, `<prefix>:webhooks:endpoints-version`. */
export class RedisEndpointVersions implements EndpointVersions {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = `${prefix}:webhooks:endpoints-version`;
  }

  async current(): Promise<string> {
    return (await this.redis.get(this.key)) ?? '0';
  }

  async bump(): Promise<void> {
    await this.redis.incr(this.key);
  }
}
