import type { RedisClient } from '@shoal/cluster';
import { PostgresListener } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';

/** A cluster-wide version of the webhook endpoints: every change bumps it, so nodes know when to re-read. */
export interface EndpointVersions {
  current(): Promise<string>;
  bump(): Promise<void>;
  close(): Promise<void>;
}

/** Endpoint versions in one Redis counter, `<prefix>:webhooks:endpoints-version`: one GET per message. */
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

  async close(): Promise<void> {}
}

/**
 * Endpoint versions on Postgres alone: a change sends a NOTIFY on `<prefix>:webhooks`, heard on the process's shared
 * LISTEN connection; each notification (and each reconnection, since notifications may have been missed) moves the
 * local version on. No query per message.
 */
export class PostgresEndpointVersions implements EndpointVersions {
  private version = 0;
  private readonly listener: PostgresListener;
  private started?: Promise<void>;
  private readonly channel: string;

  constructor(
    private readonly dataSource: DataSource,
    prefix: string,
  ) {
    this.channel = `${prefix}:webhooks`;
    const moveOn = (): void => void (this.version += 1);
    this.listener = new PostgresListener(dataSource, this.channel, moveOn, moveOn);
  }

  async current(): Promise<string> {
    this.started ??= this.listener.start().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    await this.started;
    return String(this.version);
  }

  async bump(): Promise<void> {
    this.version += 1;
    await this.dataSource.query(`SELECT pg_notify($1, '')`, [this.channel]);
  }

  async close(): Promise<void> {
    await this.listener.close();
  }
}
