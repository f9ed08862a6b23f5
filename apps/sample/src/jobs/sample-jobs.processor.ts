import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import { Process, Processor, WorkerHost, type JobOf } from '@shoal/jobs';
import { sampleWork } from './sample-work.queue.js';

/** Runs the sample's jobs: each run is recorded (key, node), so tests can count runs and duplicates. */
@Processor(sampleWork.name)
@Injectable()
export class SampleJobsProcessor extends WorkerHost<JobOf<typeof sampleWork>> implements OnModuleInit {
  private readonly table: string;
  private active = 0;

  constructor(
    private readonly connections: ClusterConnections,
    private readonly cluster: ClusterService,
  ) {
    super();
    this.table = `"${cluster.prefix}"."job_runs"`;
  }

  async onModuleInit(): Promise<void> {
    await this.connections.postgres().transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [this.table]);
      await manager.query(`CREATE SCHEMA IF NOT EXISTS "${this.cluster.prefix}"`);
      await manager.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
        id bigserial PRIMARY KEY, key text NOT NULL, node_id text NOT NULL, job_id text NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now())`);
    });
  }

  /** `{ key, ms? }`: waits `ms` (default 0), then records the run. */
  @Process('record')
  async record({ id, data }: JobOf<typeof sampleWork>): Promise<void> {
    this.active += 1;
    try {
      if (data.ms) await new Promise((resolve) => setTimeout(resolve, data.ms));
      await this.connections
        .postgres()
        .query(`INSERT INTO ${this.table} (key, node_id, job_id) VALUES ($1, $2, $3)`, [
          data.key,
          this.cluster.self.id,
          id,
        ]);
    } finally {
      this.active -= 1;
    }
  }

  /** Jobs running on this node right now. */
  get activeHere(): number {
    return this.active;
  }

  async stats(): Promise<{ runs: number; distinct: number; byNode: Record<string, number> }> {
    const rows = (await this.connections
      .postgres()
      .query(
        `SELECT node_id, count(*)::int AS runs, count(DISTINCT key)::int AS keys FROM ${this.table} GROUP BY node_id`,
      )) as {
      node_id: string;
      runs: number;
    }[];
    const [total] = (await this.connections
      .postgres()
      .query(`SELECT count(*)::int AS runs, count(DISTINCT key)::int AS distinct FROM ${this.table}`)) as {
      runs: number;
      distinct: number;
    }[];
    return { ...total, byNode: Object.fromEntries(rows.map((r) => [r.node_id, r.runs])) };
  }
}
