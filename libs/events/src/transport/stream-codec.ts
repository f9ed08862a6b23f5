import type { EventEnvelope } from '../envelope/event-envelope.js';

/** A stream entry as ioredis returns it. */
export type StreamEntry = [id: string, fields: string[]];

/** The Redis stream of an event type. The type is the hash tag: one stream, one slot. */
export function streamKey(prefix: string, type: string): string {
  return `${prefix}:events:{${type}}`;
}

/** The arguments after the key of the `XADD` that appends an encoded envelope, trimming the stream to ~`maxLen`. */
export function xaddArgs(maxLen: string, json: string): [string, string, string, string, string, string] {
  return ['MAXLEN', '~', maxLen, '*', 'e', json];
}

/** Decodes the `e` field of an entry; undefined when the entry is not a Shoal envelope. */
export function decodeEntry(fields: readonly string[]): EventEnvelope | undefined {
  const index = fields.indexOf('e');
  if (index < 0 || index % 2 !== 0) return undefined;
  try {
    const value = JSON.parse(fields[index + 1]) as Partial<EventEnvelope> | null;
    if (!value || typeof value.id !== 'string' || typeof value.type !== 'string') return undefined;
    return { headers: {}, ...value } as EventEnvelope;
  } catch {
    return undefined;
  }
}

/** Flattens `XREAD`/`XREADGROUP` replies into entries. */
export function entriesOf(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const stream of reply as [string, StreamEntry[]][]) {
    for (const entry of stream[1] ?? []) if (entry && entry[1]) entries.push(entry);
  }
  return entries;
}
