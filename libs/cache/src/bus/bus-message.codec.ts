import { z } from 'zod';

/** One invalidation as BentoCache publishes it: which keys of which namespace were set, deleted or expired. */
export interface BusPayload {
  readonly keys: readonly string[];
  readonly type: 'set' | 'clear' | 'delete' | 'expire';
  readonly namespace?: string;
}

/** A message on the wire: the logical channel, the sending bus (to skip our own), the payload. */
export interface BusEnvelope {
  readonly channel: string;
  readonly busId: string;
  readonly payload: BusPayload;
}

const envelopeSchema = z.object({
  c: z.string().min(1),
  b: z.string().min(1),
  p: z.object({
    keys: z.array(z.string()),
    type: z.enum(['set', 'clear', 'delete', 'expire']),
    namespace: z.string().optional(),
  }),
});

/** Encodes an envelope as compact JSON (Redis pub/sub and Postgres NOTIFY both carry text). */
export function encodeBusMessage(envelope: BusEnvelope): string {
  return JSON.stringify({ c: envelope.channel, b: envelope.busId, p: envelope.payload });
}

/**
 * Decodes a message, or returns undefined for anything that is not one (a malformed or foreign message on the
 * channel must not break the subscriber).
 */
export function decodeBusMessage(raw: string): BusEnvelope | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = envelopeSchema.safeParse(data);
  if (!parsed.success) return undefined;
  return { channel: parsed.data.c, busId: parsed.data.b, payload: parsed.data.p };
}
