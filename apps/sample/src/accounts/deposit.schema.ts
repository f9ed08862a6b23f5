import { z } from 'zod';

/** A deposit as the API takes it. `delayMs` (demos and tests) makes the owner hold the message before writing. */
export const depositSchema = z.strictObject({
  amount: z.number().int('amount must be a whole number').min(1).max(1_000_000_000),
  delayMs: z.number().int().min(0).max(30_000).optional(),
});

export type Deposit = z.infer<typeof depositSchema>;

/** What a deposit answers. */
export interface DepositResult {
  id: string;
  balance: number;
  seq: number;
  handledBy: string;
}

/** One applied deposit of an account's log. */
export interface AccountLogRow {
  seq: number;
  amount: number;
  node: string;
  startedAt: string;
  finishedAt: string;
  token: number;
}

/** Account ids: used in shard keys and SQL parameters. */
export const accountIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'account ids are 1-64 of A-Z a-z 0-9 _ -');
