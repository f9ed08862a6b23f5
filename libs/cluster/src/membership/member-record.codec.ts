import type { NodeInfo } from '../node-identity.js';
import type { MemberRecord, MembershipNotice } from './membership-store.js';

/** Decodes a stored node info; `undefined` for a record this version cannot read. */
export function parseNodeInfo(json: string): NodeInfo | undefined {
  try {
    const value = JSON.parse(json) as Partial<NodeInfo> | null;
    if (!value || typeof value.id !== 'string' || typeof value.incarnation !== 'string') return undefined;
    return {
      id: value.id,
      incarnation: value.incarnation,
      startedAt: Number(value.startedAt ?? 0),
      version: String(value.version ?? ''),
      host: String(value.host ?? ''),
      pid: Number(value.pid ?? 0),
      metadata: value.metadata ?? {},
    };
  } catch {
    return undefined;
  }
}

/** Whether two infos describe the same incarnation with the same facts (what other members would see). */
export function sameNodeInfo(a: NodeInfo, b: NodeInfo): boolean {
  return (
    a.incarnation === b.incarnation &&
    a.version === b.version &&
    a.host === b.host &&
    a.pid === b.pid &&
    a.startedAt === b.startedAt &&
    JSON.stringify(a.metadata) === JSON.stringify(b.metadata)
  );
}

/** Zips `[id, score, id, score...]` and the matching info JSON strings into sorted member records. */
export function toMemberRecords(live: readonly string[], infos: readonly string[]): MemberRecord[] {
  const records: MemberRecord[] = [];
  for (let i = 0; i < live.length; i += 2) {
    const info = parseNodeInfo(infos[i / 2] ?? '');
    if (info && info.id === live[i]) records.push({ ...info, lastSeen: Number(live[i + 1]) });
  }
  return records.sort(byId);
}

/** Decodes a pub/sub or NOTIFY payload; ignores anything malformed. */
export function parseNotice(message: string): MembershipNotice | undefined {
  try {
    const value = JSON.parse(message) as Partial<MembershipNotice> | null;
    if (value && (value.type === 'joined' || value.type === 'left') && typeof value.id === 'string') {
      return { type: value.type, id: value.id };
    }
  } catch {
    // malformed: ignored, the next poll re-reads membership anyway
  }
  return undefined;
}

/** Orders members by id, the same way on every node (code-unit order, no locale). */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
