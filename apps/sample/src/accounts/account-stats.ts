import { Injectable } from '@nestjs/common';

/**
 * What this replica's account entity did: deposits running now, applied, recognised as already applied, refused as
 * stale (a write under a shard token that is no longer the latest).
 */
@Injectable()
export class AccountStats {
  running = 0;
  applied = 0;
  duplicates = 0;
  refused = 0;
}
