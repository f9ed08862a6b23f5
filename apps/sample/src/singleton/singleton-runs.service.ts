import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import {
  FencingService,
  OnLeadershipLost,
  Singleton,
  type SingletonResult,
  SingletonContext,
  StaleFencingTokenError,
  type LeadershipEvent,
} from '@shoal/leader';
import { setTimeout as sleep } from 'node:timers/promises';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample-config.js';

/** One recorded run of the singleton task. */
export interface SingletonRunRow {
  id: number;
  nodeId: string;
  token: number;
  startedAt: string;
  endedAt: string;
}

/** Outcome of a deliberately slow fenced write (used to show what happens to a deposed leader). */
export interface SlowWriteResult {
  nodeId: string;
  token: number;
  accepted: boolean;
  error?: string;
}

const FENCE = 'singleton-runs';
const INTERVAL = 'singleton-runs';

/**
 * A `@Singleton()` task on an interval: on the leader only, every `SINGLETON_INTERVAL_MS` (default 1000), it records
 * the run (node, fencing token, start, end) in `<prefix>.singleton_runs`, through a fenced write. The interval is
 * registered with the scheduler at bootstrap, from the config (not with `@Interval()`, whose period would be read
 * when the file is imported).
 */
@Injectable()
export class SingletonRuns implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SingletonRuns');
  private readonly table: string;
  private lostEvents = 0;
  private aborts = 0;

  constructor(
    private readonly connections: ClusterConnections,
    private readonly cluster: ClusterService,
    private readonly fencing: FencingService,
    private readonly context: SingletonContext,
    private readonly scheduler: SchedulerRegistry,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {
    this.table = `"${cluster.prefix}"."singleton_runs"`;
  }

  async onModuleInit(): Promise<void> {
    const db = this.connections.postgres('the sample app');
    await db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [this.table]);
      await manager.query(`CREATE SCHEMA IF NOT EXISTS "${this.table.split('.')[0].replaceAll('"', '')}"`);
      await manager.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           id bigserial PRIMARY KEY, node_id text NOT NULL, token bigint NOT NULL,
           started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL)`,
      );
    });
  }

  onApplicationBootstrap(): void {
    const run = () =>
      Promise.resolve(this.recordRun()).catch((error: unknown) =>
        this.logger.error(`run failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    this.scheduler.addInterval(INTERVAL, setInterval(run, this.config.singleton.intervalMs));
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', INTERVAL)) this.scheduler.deleteInterval(INTERVAL);
  }

  @Singleton()
  async recordRun(): Promise<SingletonResult<void>> {
    const startedAt = new Date();
    await sleep(this.config.singleton.workMs);
    await this.fencing.transaction(FENCE, async (manager) => {
      await manager.query(
        `INSERT INTO ${this.table} (node_id, token, started_at, ended_at) VALUES ($1, $2, $3, $4)`,
        [this.cluster.self.id, this.context.token, startedAt, new Date()],
      );
    });
  }

  /** Runs on the leader: waits `delayMs`, then writes with the token it started with. Undefined elsewhere. */
  @Singleton()
  async slowWrite(delayMs: number): Promise<SingletonResult<SlowWriteResult>> {
    const token = this.context.token;
    this.context.signal.addEventListener('abort', () => (this.aborts += 1), { once: true });
    await sleep(delayMs);
    const startedAt = new Date();
    try {
      await this.fencing.transaction(FENCE, async (manager) => {
        await manager.query(
          `INSERT INTO ${this.table} (node_id, token, started_at, ended_at) VALUES ($1, $2, $3, $3)`,
          [this.cluster.self.id, token, startedAt],
        );
      });
      return { nodeId: this.cluster.self.id, token, accepted: true };
    } catch (error) {
      if (!(error instanceof StaleFencingTokenError)) throw error;
      this.logger.warn(`late write refused: ${error.message}`);
      return { nodeId: this.cluster.self.id, token, accepted: false, error: error.message };
    }
  }

  @OnLeadershipLost()
  onLost(event: LeadershipEvent): void {
    this.lostEvents += 1;
    this.logger.log(`lost the leader lease (${event.reason}, token ${event.token})`);
  }

  status(): { lostEvents: number; aborts: number } {
    return { lostEvents: this.lostEvents, aborts: this.aborts };
  }

  async latest(limit: number): Promise<SingletonRunRow[]> {
    const rows = (await this.connections
      .postgres()
      .query(
        `SELECT id, node_id, token::text AS token, started_at, ended_at FROM ${this.table} ORDER BY id DESC LIMIT $1`,
        [limit],
      )) as { id: string; node_id: string; token: string; started_at: Date; ended_at: Date }[];
    return rows.map((r) => ({
      id: Number(r.id),
      nodeId: r.node_id,
      token: Number(r.token),
      startedAt: r.started_at.toISOString(),
      endedAt: r.ended_at.toISOString(),
    }));
  }
}
