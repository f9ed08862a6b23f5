import { describe, expect, it } from '@jest/globals';
import type { MemberRecord } from './membership-store.js';
import { MembershipView } from './membership-view.js';

const member = (id: string, incarnation = `${id}-1`): MemberRecord => ({
  id,
  incarnation,
  startedAt: 0,
  version: '1',
  host: 'h',
  pid: 1,
  metadata: {},
  lastSeen: 0,
});

describe('MembershipView', () => {
  const self = member('a');

  it('reports joins, then leaves, and keeps itself present', () => {
    const view = new MembershipView('a');
    expect(view.apply([], self).map((e) => `${e.type}:${e.member.id}`)).toEqual(['joined:a']);
    expect(view.apply([self, member('b'), member('c')], self).map((e) => `${e.type}:${e.member.id}`)).toEqual(
      ['joined:b', 'joined:c'],
    );
    expect(view.apply([member('c')], self).map((e) => `${e.type}:${e.member.id}`)).toEqual(['left:b']);
    expect(view.ids()).toEqual(['a', 'c']);
    expect(view.has('c')).toBe(true);
  });

  it('reports a restart with the same id as a leave then a join', () => {
    const view = new MembershipView('a');
    view.apply([self, member('b', 'b-1')], self);
    const events = view.apply([self, member('b', 'b-2')], self);
    expect(events.map((e) => `${e.type}:${e.member.incarnation}`)).toEqual(['left:b-1', 'joined:b-2']);
  });

  it('while keeping absent members (a store rebuilding after data loss), adds members and restarts but drops none', () => {
    const view = new MembershipView('a');
    view.apply([self, member('b'), member('c', 'c-1')], self);
    expect(view.dropsAnyOf([self, member('c')])).toBe(true);
    expect(view.dropsAnyOf([member('c'), member('b')])).toBe(false);
    const events = view.apply([member('c', 'c-2'), member('d')], self, new Date(), true);
    expect(events.map((e) => `${e.type}:${e.member.incarnation}`)).toEqual([
      'left:c-1',
      'joined:c-2',
      'joined:d-1',
    ]);
    expect(view.ids()).toEqual(['a', 'b', 'c', 'd']);
    expect(
      view.apply([self, member('c', 'c-2'), member('d')], self).map((e) => `${e.type}:${e.member.id}`),
    ).toEqual(['left:b']);
  });

  it('reports nothing when nothing changed', () => {
    const view = new MembershipView('a');
    view.apply([self, member('b')], self);
    expect(view.apply([member('b'), self], self)).toEqual([]);
  });

  it('applies an announced change without a read: joins, leaves, restarts, info changes, and never drops itself', () => {
    const view = new MembershipView('a');
    view.apply([self, member('b', 'b-1')], self);
    const seen = (events: { type: string; member: MemberRecord }[]) =>
      events.map((e) => `${e.type}:${e.member.incarnation}`);
    expect(seen(view.applyChange({ type: 'joined', member: member('c') }))).toEqual(['joined:c-1']);
    expect(seen(view.applyChange({ type: 'joined', member: member('b', 'b-2') }))).toEqual([
      'left:b-1',
      'joined:b-2',
    ]);
    const moved = { ...member('c'), host: 'elsewhere' };
    expect(view.applyChange({ type: 'joined', member: moved })).toEqual([]);
    expect(view.list().find((m) => m.id === 'c')?.host).toBe('elsewhere');
    expect(seen(view.applyChange({ type: 'left', id: 'c' }))).toEqual(['left:c-1']);
    expect(view.applyChange({ type: 'left', id: 'c' })).toEqual([]);
    expect(view.applyChange({ type: 'left', id: 'a' })).toEqual([]);
    expect(view.ids()).toEqual(['a', 'b']);
  });
});
