import type { PipeTransform } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { depositSchema, type Deposit } from './deposit.schema.js';

/** Validates a deposit on the entity's owner; a bad one answers `{ code: 'INVALID_DEPOSIT', message }`. */
export class DepositPipe implements PipeTransform<unknown, Deposit> {
  transform(value: unknown): Deposit {
    const parsed = depositSchema.safeParse(value);
    if (!parsed.success) {
      const message = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ');
      throw new RpcException({ code: 'INVALID_DEPOSIT', message });
    }
    return parsed.data;
  }
}
