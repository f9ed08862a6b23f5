import type {
  AccountLogRow as LogRow,
  DepositResult as Deposit,
} from '../../apps/sample/src/accounts/deposit.schema.js';
import type { SeededRandom } from '@shoal/testing';
import type { SampleNodes } from './sample-nodes.js';

/** What the account logs show against what the load sent. */
export interface DepositAudit {
  /** Deposits found twice in one account's log. */
  readonly duplicates: number;
  /** Accepted (answered) deposits missing from their account's log. */
  readonly missing: number;
  /** Log entries that were never sent. */
  readonly foreign: number;
  /** Accounts whose log `seq` is not 1, 2, 3… or whose balance does not add up. */
  readonly broken: string[];
  /** Deposits of one account that ran at the same time on two nodes. */
  readonly overlaps: number;
}

/**
 * A constant stream of `POST /accounts/:id/deposit` from `workers` concurrent clients over the sample's sharded
 * accounts, through the nodes named in `entries` (the caller may change that list as nodes die and join). Every
 * deposit carries a unique amount, so the account logs tell which deposits were applied. A deposit without an
 * answer has an unknown outcome: applied or not, never twice.
 */
export class DepositLoad {
  private readonly accepted: Map<string, number[]>;
  private readonly unknown: Map<string, number[]>;
  private nextAmount = 1;
  private running = true;
  private readonly done: Promise<void>;
  /** Deposits sent without an answer. */
  failures = 0;

  constructor(
    private readonly nodes: SampleNodes,
    readonly entries: string[],
    private readonly accounts: readonly string[],
    private readonly random: SeededRandom,
    workers = 8,
  ) {
    this.accepted = new Map(accounts.map((a) => [a, []]));
    this.unknown = new Map(accounts.map((a) => [a, []]));
    this.done = Promise.all(Array.from({ length: workers }, () => this.worker())).then(() => undefined);
  }

  /** Deposits answered so far. */
  get count(): number {
    return [...this.accepted.values()].reduce((n, list) => n + list.length, 0);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** Reads every account's log and state (through `reader`) and compares them with what was sent. */
  async audit(reader: string): Promise<DepositAudit> {
    let duplicates = 0;
    let missing = 0;
    let foreign = 0;
    let overlaps = 0;
    const broken: string[] = [];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    for (const account of this.accounts) {
      const log = await this.nodes.request<LogRow[]>(reader, `/accounts/${account}/log`);
      const state = await this.nodes.request<{ balance: number; seq: number }>(
        reader,
        `/accounts/${account}`,
      );
      const amounts = log.map((r) => r.amount);
      const accepted = this.accepted.get(account)!;
      const unknown = this.unknown.get(account)!;
      duplicates += amounts.length - new Set(amounts).size;
      missing += accepted.filter((amount) => !amounts.includes(amount)).length;
      const sent = new Set([...accepted, ...unknown]);
      foreign += amounts.filter((amount) => !sent.has(amount)).length;
      const appliedUnknown = unknown.filter((amount) => amounts.includes(amount));
      const seqs = log.map((r) => r.seq);
      if (
        state.balance !== sum(accepted) + sum(appliedUnknown) ||
        seqs.some((seq, i) => seq !== i + 1) ||
        state.seq !== log.length
      )
        broken.push(account);
      for (let i = 0; i < log.length; i += 1) {
        for (let j = i + 1; j < log.length; j += 1) {
          if (log[i].node === log[j].node) continue;
          if (Date.parse(log[j].startedAt) < Date.parse(log[i].finishedAt)) overlaps += 1;
        }
      }
    }
    return { duplicates, missing, foreign, broken, overlaps };
  }

  private async worker(): Promise<void> {
    while (this.running) {
      const account = this.accounts[Math.floor(this.random.next() * this.accounts.length)];
      const entry = this.entries[Math.floor(this.random.next() * this.entries.length)];
      const amount = this.nextAmount++; // unique: identifies the deposit in the log
      try {
        const answer = await this.nodes.request<Deposit>(
          entry,
          `/accounts/${account}/deposit`,
          'POST',
          60_000,
          {
            amount,
          },
        );
        if (answer.id !== account) throw new Error(`deposit to ${account} answered for ${answer.id}`);
        this.accepted.get(account)!.push(amount);
      } catch {
        this.failures += 1;
        this.unknown.get(account)!.push(amount);
      }
    }
  }
}
