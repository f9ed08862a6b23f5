import { describe, expect, it } from '@jest/globals';
import { applicableNotice, type MemberRecord } from './membership-store.js';

const member: MemberRecord = {
  id: 'b',
  incarnation: 'b-1',
  startedAt: 0,
  version: '1',
  host: 'h',
  pid: 1,
  metadata: {},
  lastSeen: 1,
};

describe('applicableNotice', () => {
  it('applies a change to a view at its from version, or already at its to version', () => {
    expect(applicableNotice('4', { type: 'left', id: 'b', from: '4', to: '5' })).toEqual({
      type: 'left',
      id: 'b',
      to: '5',
    });
    expect(applicableNotice('5', { type: 'joined', id: 'b', from: '4', to: '5', member })).toEqual({
      type: 'joined',
      id: 'b',
      to: '5',
      member,
    });
  });

  it('asks for a read when the view is elsewhere, the change is not carried, or a join lacks its member', () => {
    expect(applicableNotice('3', { type: 'left', id: 'b', from: '4', to: '5' })).toBeUndefined();
    expect(applicableNotice(undefined, { type: 'left', id: 'b', from: '4', to: '5' })).toBeUndefined();
    expect(applicableNotice('4', { type: 'left', id: 'b' })).toBeUndefined();
    expect(applicableNotice('4', { type: 'joined', id: 'b', from: '4', to: '5' })).toBeUndefined();
  });
});
