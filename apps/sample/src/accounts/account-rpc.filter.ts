import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { StaleFencingTokenError } from '@shoal/leader';
import { throwError, type Observable } from 'rxjs';

/**
 * What the account entity answers on failure: an `RpcException`'s payload as is; a write refused by the fencing
 * token as `{ code: 'STALE_OWNER' }` (this node no longer owns the shard); anything else as `{ code: 'INTERNAL' }`.
 */
@Catch()
export class AccountRpcFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('AccountEntity');

  catch(error: unknown): Observable<never> {
    if (error instanceof RpcException) return throwError(() => error.getError());
    if (error instanceof StaleFencingTokenError) {
      return throwError(() => ({ code: 'STALE_OWNER', message: error.message }));
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return throwError(() => ({ code: 'INTERNAL', message: 'the deposit failed' }));
  }
}
