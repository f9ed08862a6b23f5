import {
  BadRequestException,
  Body,
  Controller,
  GatewayTimeoutException,
  Get,
  HttpException,
  HttpStatus,
  Param,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import {
  MessageTimeoutError,
  ShardsService,
  ShoalClient,
  ShoalRecordBuilder,
  TargetBusyError,
} from '@shoal/messaging';
import { firstValueFrom } from 'rxjs';
import { ACCOUNT, DEPOSIT } from './account.entity.js';
import { AccountStats } from './account-stats.js';
import { AccountsStore } from './accounts.store.js';
import { accountIdSchema, type AccountLogRow, type DepositResult } from './deposit.schema.js';

/** How long a deposit may wait for its owner, covering a failover (failure timeout + lease TTL) with room. */
const DEPOSIT_TIMEOUT_MS = 30_000;

/** `POST /accounts/:id/deposit`, `GET /accounts/:id`, `GET /accounts/:id/log`, `GET /accounts/stats` on any replica. */
@Controller('accounts')
export class AccountsController {
  constructor(
    private readonly client: ShoalClient,
    private readonly shards: ShardsService,
    private readonly store: AccountsStore,
    private readonly stats: AccountStats,
    private readonly cluster: ClusterService,
  ) {}

  /** This replica's entity counters. */
  @Get('stats')
  counters(): { node: string; running: number; applied: number; duplicates: number; refused: number } {
    return { node: this.cluster.self.id, ...this.stats };
  }

  /** Routed to the owner of the account's shard, which applies it and answers. */
  @Post(':id/deposit')
  async deposit(@Param('id') id: string, @Body() body: unknown): Promise<DepositResult> {
    const record = new ShoalRecordBuilder(body)
      .toEntity(ACCOUNT, this.accountId(id))
      .setTimeout(DEPOSIT_TIMEOUT_MS);
    try {
      return await firstValueFrom(this.client.send<DepositResult>(DEPOSIT, record.build()));
    } catch (error) {
      throw this.httpError(error);
    }
  }

  @Get(':id')
  async account(
    @Param('id') id: string,
  ): Promise<{ id: string; balance: number; seq: number; owner: string | null }> {
    const account = await this.store.account(this.accountId(id));
    return { id, ...account, owner: await this.shards.ownerOf(ACCOUNT, id) };
  }

  @Get(':id/log')
  log(@Param('id') id: string): Promise<AccountLogRow[]> {
    return this.store.log(this.accountId(id));
  }

  private accountId(id: string): string {
    const parsed = accountIdSchema.safeParse(id);
    if (!parsed.success) throw new BadRequestException(parsed.error.issues[0].message);
    return parsed.data;
  }

  private httpError(error: unknown): HttpException {
    if (error instanceof TargetBusyError)
      return new HttpException(error.message, HttpStatus.TOO_MANY_REQUESTS);
    if (error instanceof MessageTimeoutError) return new GatewayTimeoutException(error.message);
    const payload = error as { code?: unknown; message?: unknown } | null;
    if (payload?.code === 'INVALID_DEPOSIT') return new BadRequestException(String(payload.message));
    if (payload?.code === 'STALE_OWNER') return new ServiceUnavailableException(String(payload.message));
    return new HttpException(
      error instanceof Error ? error.message : JSON.stringify(error),
      HttpStatus.INTERNAL_SERVER_ERROR,
    );
  }
}
