import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 16 * 256;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** 16 random bytes from a pool refilled 256 ids at a time (one crypto call per 256 ids instead of one each). */
function randomBlock(): Buffer {
  if (offset >= POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const block = Buffer.from(pool.subarray(offset, offset + 16));
  offset += 16;
  return block;
}

/** A UUID v7 (RFC 9562): 48-bit Unix ms timestamp, then random bits; sorts by creation time. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBlock();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
