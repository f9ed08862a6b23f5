import { Injectable } from '@nestjs/common';

/** What this replica's account entity did: deposits applied, recognised as already applied, refused as stale. */
@Injectable()
export class AccountStats {
  applied = 0;
  duplicates = 0;
  refused = 0;
}
