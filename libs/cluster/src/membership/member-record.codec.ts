import type { NodeInfo } from '../node-identity.js';
import type { MemberRecord, MembershipNotice } from './membership-store.js';

/** A decoded node info; `undefined` for a value this version cannot read. */
function toNodeInfo(value: unknown): NodeInfo | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const info = value as Partial<NodeInfo>;
  if (typeof info.id !== 'string' || typeof info.incarnation !== 'string') return undefined;
  return {
    id: info.id,
    incarnation: info.incarnation,
    startedAt: Number(info.startedAt ?? 0),
    version: String(info.version ?? ''),
    host: String(info.host ?? ''),
    pid: Number(info.pid ?? 0),
    metadata: info.metadata ?? {},
  };
}

/** Decodes a stored node info; `undefined` for a record this version cannot read. */
export function parseNodeInfo(json: string): NodeInfo | undefined {
  try {
    return toNodeInfo(JSON.parse(json));
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

/** A notice as stores send it: the member's info and its heartbeat time travel side by side. */
interface WireNotice {
  type?: unknown;
  id?: unknown;
  from?: unknown;
  to?: unknown;
  member?: unknown;
  lastSeen?: unknown;
}

/**
 * Decodes a pub/sub or NOTIFY payload; ignores anything malformed. A change it carries only partly (no versions, or a
 * `joined` without a readable member of that id) is dropped from it: the notice then makes the node re-read.
 */
export function parseNotice(message: string): MembershipNotice | undefined {
  let value: WireNotice | null;
  try {
    value = JSON.parse(message) as WireNotice | null;
  } catch {
    return undefined; // malformed: ignored, the next heartbeat's version check catches the change anyway
  }
  if (!value || (value.type !== 'joined' && value.type !== 'left') || typeof value.id !== 'string')
    return undefined;
  const notice: MembershipNotice = { type: value.type, id: value.id };
  if (typeof value.from !== 'string' || typeof value.to !== 'string') return notice;
  const change = { ...notice, from: value.from, to: value.to };
  if (value.type === 'left') return change;
  const info = toNodeInfo(value.member);
  const lastSeen = Number(value.lastSeen);
  if (!info || info.id !== value.id || !Number.isFinite(lastSeen)) return notice;
  return { ...change, member: { ...info, lastSeen } };
}

/** Orders members by id, the same way on every node (code-unit order, no locale). */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
