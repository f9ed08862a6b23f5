import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { ClusterMessenger } from './cluster-messenger.js';
import type { QueryAnswer, QueryKind, QueryResult, SocketFilter } from './socket-query.js';

type Message =
  | {
      readonly t: 'ask';
      readonly id: string;
      readonly from: string;
      readonly kind: QueryKind;
      readonly filter: SocketFilter;
    }
  | { readonly t: 'answer'; readonly id: string; readonly from: string; readonly answer: QueryAnswer };

interface Pending {
  readonly waiting: Set<string>;
  readonly answers: QueryAnswer[];
  readonly done: () => void;
}

/** Answers a query about this replica's own sockets. */
export type LocalQuery = (kind: QueryKind, filter: SocketFilter) => QueryAnswer;

/**
 * Cluster-wide socket queries over a `ClusterMessenger`: ask every expected replica, gather answers, and resolve
 * when all answered or the timeout passed — with what arrived, never with an error. The caller decides whom to
 * expect (live, socket-serving members), so a dead or emit-only replica costs at most one timeout, and none once
 * membership has dropped it.
 */
export class SocketQueries {
  private readonly logger = new Logger('Shoal:Realtime');
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly messenger: ClusterMessenger,
    private readonly nodeId: string,
    /** This replica's own answers; undefined on a replica that serves no sockets (it only asks). */
    private readonly local: LocalQuery | undefined,
  ) {}

  start(): Promise<void> {
    return this.messenger.start((raw) => this.receive(raw), this.local !== undefined);
  }

  close(): Promise<void> {
    for (const pending of this.pending.values()) pending.done();
    return this.messenger.close();
  }

  /** Asks `targets` (never this node: its own answer is the caller's) and waits at most `timeoutMs`. */
  async ask(
    kind: QueryKind,
    filter: SocketFilter,
    targets: readonly string[],
    timeoutMs: number,
  ): Promise<QueryResult> {
    const waiting = new Set(targets.filter((t) => t !== this.nodeId));
    if (waiting.size === 0) return { answers: [], missing: [] };
    const id = randomUUID();
    const answers: QueryAnswer[] = [];
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve();
      };
      this.pending.set(id, { waiting, answers, done });
      timer = setTimeout(done, timeoutMs);
      timer.unref();
      const message: Message = { t: 'ask', id, from: this.nodeId, kind, filter };
      this.messenger.broadcast(JSON.stringify(message)).catch((error: unknown) => {
        this.logger.warn(`cluster query not sent: ${String(error)}`);
        done();
      });
    });
    return { answers, missing: [...waiting] };
  }

  private receive(raw: string): void {
    let message: Message;
    try {
      message = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    if (message.t === 'answer') {
      const pending = this.pending.get(message.id);
      if (!pending || !pending.waiting.delete(message.from)) return;
      pending.answers.push(message.answer);
      if (pending.waiting.size === 0) pending.done();
      return;
    }
    if (message.t !== 'ask' || message.from === this.nodeId || !this.local) return;
    const answer: Message = {
      t: 'answer',
      id: message.id,
      from: this.nodeId,
      answer: this.local(message.kind, message.filter),
    };
    this.messenger.sendTo(message.from, JSON.stringify(answer)).catch((error: unknown) => {
      this.logger.debug(`cluster query answer not sent: ${String(error)}`);
    });
  }
}
