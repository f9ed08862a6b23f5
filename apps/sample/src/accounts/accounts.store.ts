import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import type { EntityManager } from 'typeorm';
import type { AccountLogRow, DepositResult } from './deposit.schema.js';

interface LogRecord {
  messageId: string;
  amount: number;
  node: string;
  startedAt: Date;
  finishedAt: Date;
  token: number;
}

/**
 * Accounts in Postgres (`<prefix>.accounts`, `<prefix>.account_log`). A deposit's log row carries the message id
 * (unique), written in the same transaction as the balance, so a redelivered message is recognised, not re-applied.
 */
@Injectable()
export class AccountsStore implements OnModuleInit {
  private readonly schema: string;

  constructor(
    private readonly connections: ClusterConnections,
    cluster: ClusterService,
  ) {
    this.schema = `"${cluster.prefix}"`;
  }

  async onModuleInit(): Promise<void> {
    await this.db().transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${this.schema}.accounts`]);
      await manager.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await manager.query(
        `CREATE TABLE IF NOT EXISTS ${this.schema}.accounts (
           id text PRIMARY KEY, balance bigint NOT NULL DEFAULT 0, seq integer NOT NULL DEFAULT 0)`,
      );
      await manager.query(
        `CREATE TABLE IF NOT EXISTS ${this.schema}.account_log (
           account_id text NOT NULL, seq integer NOT NULL, amount bigint NOT NULL, balance bigint NOT NULL,
           node text NOT NULL, started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL,
           token bigint NOT NULL, message_id text NOT NULL UNIQUE, PRIMARY KEY (account_id, seq))`,
      );
    });
  }

  /** The result recorded for `messageId`, if that message was applied already. */
  async applied(manager: EntityManager, id: string, messageId: string): Promise<DepositResult | undefined> {
    const rows = (await manager.query(
      `SELECT seq, balance::text AS balance, node FROM ${this.schema}.account_log WHERE message_id = $1`,
      [messageId],
    )) as { seq: number; balance: string; node: string }[];
    const row = rows[0];
    return row && { id, balance: Number(row.balance), seq: row.seq, handledBy: row.node };
  }

  /** Applies a deposit and logs it, inside the caller's transaction. */
  async apply(manager: EntityManager, id: string, record: LogRecord): Promise<DepositResult> {
    const [account] = (await manager.query(
      `INSERT INTO ${this.schema}.accounts AS a (id, balance, seq) VALUES ($1, $2, 1)
       ON CONFLICT (id) DO UPDATE SET balance = a.balance + excluded.balance, seq = a.seq + 1
       RETURNING balance::text AS balance, seq`,
      [id, record.amount],
    )) as { balance: string; seq: number }[];
    await manager.query(
      `INSERT INTO ${this.schema}.account_log
         (account_id, seq, amount, balance, node, started_at, finished_at, token, message_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        id,
        account.seq,
        record.amount,
        account.balance,
        record.node,
        record.startedAt,
        record.finishedAt,
        record.token,
        record.messageId,
      ],
    );
    return { id, balance: Number(account.balance), seq: account.seq, handledBy: record.node };
  }

  async account(id: string): Promise<{ balance: number; seq: number }> {
    const rows = (await this.db().query(
      `SELECT balance::text AS balance, seq FROM ${this.schema}.accounts WHERE id = $1`,
      [id],
    )) as { balance: string; seq: number }[];
    return rows[0] ? { balance: Number(rows[0].balance), seq: rows[0].seq } : { balance: 0, seq: 0 };
  }

  async log(id: string): Promise<AccountLogRow[]> {
    const rows = (await this.db().query(
      `SELECT seq, amount::text AS amount, node, started_at, finished_at, token::text AS token
       FROM ${this.schema}.account_log WHERE account_id = $1 ORDER BY seq`,
      [id],
    )) as { seq: number; amount: string; node: string; started_at: Date; finished_at: Date; token: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      amount: Number(r.amount),
      node: r.node,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at.toISOString(),
      token: Number(r.token),
    }));
  }

  private db() {
    return this.connections.postgres('the sample accounts');
  }
}
