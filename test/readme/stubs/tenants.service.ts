import { Injectable } from '@nestjs/common';

/** The README's tenant directory. */
@Injectable()
export class TenantsService {
  list(): { id: string }[] {
    return [];
  }
  async poll(tenant: { id: string }): Promise<void> {
    void tenant;
  }
}
