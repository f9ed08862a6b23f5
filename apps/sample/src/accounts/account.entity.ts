import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ClusterService } from '@shoal/cluster';
import { FencingService, StaleFencingTokenError } from '@shoal/leader';
import type { ShoalContext } from '@shoal/messaging';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountRpcFilter } from './account-rpc.filter.js';
import { AccountStats } from './account-stats.js';
import { AccountsStore } from './accounts.store.js';
import { DepositPipe } from './deposit.pipe.js';
import type { Deposit, DepositResult } from './deposit.schema.js';

/** The pattern of a deposit, sent with `ShoalRecordBuilder.toEntity(ACCOUNT, id)`. */
export const DEPOSIT = 'account.deposit';
/** The entity type of accounts. */
export const ACCOUNT = 'account';

/**
 * Accounts as sharded entities: deposits to one account run one at a time on the owner of its shard. Each write is
 * fenced with the shard's token (a deposed owner's late write is refused) and recorded with its message id in the
 * same transaction (a redelivered deposit answers what it did the first time).
 */
@Controller()
@UseFilters(AccountRpcFilter)
export class AccountEntity {
  constructor(
    private readonly store: AccountsStore,
    private readonly fencing: FencingService,
    private readonly cluster: ClusterService,
    private readonly stats: AccountStats,
  ) {}

  @MessagePattern(DEPOSIT)
  async deposit(@Payload(new DepositPipe()) body: Deposit, @Ctx() ctx: ShoalContext): Promise<DepositResult> {
    const entity = ctx.getEntity();
    if (!entity)
      throw new RpcException({ code: 'NOT_AN_ENTITY_MESSAGE', message: 'send deposits with toEntity' });
    const startedAt = new Date();
    this.stats.running += 1;
    try {
      if (body.delayMs) await sleep(body.delayMs);
      return await this.fencing.transaction(
        entity.resource,
        async (manager) => {
          const earlier = await this.store.applied(manager, entity.key, ctx.getMessageId());
          if (earlier) {
            this.stats.duplicates += 1;
            return earlier;
          }
          const result = await this.store.apply(manager, entity.key, {
            messageId: ctx.getMessageId(),
            amount: body.amount,
            node: this.cluster.self.id,
            startedAt,
            finishedAt: new Date(),
            token: entity.token,
          });
          this.stats.applied += 1;
          return result;
        },
        entity.token,
      );
    } catch (error) {
      if (error instanceof StaleFencingTokenError) this.stats.refused += 1;
      throw error;
    } finally {
      this.stats.running -= 1;
    }
  }
}
