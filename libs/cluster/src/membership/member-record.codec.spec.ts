import { describe, expect, it } from '@jest/globals';
import { parseNotice } from './member-record.codec.js';

const info = { id: 'b', incarnation: 'b-1', startedAt: 5, version: '1.2.0', host: 'h', pid: 7, metadata: {} };

describe('parseNotice', () => {
  it('reads a change with its versions, and a join with the member record', () => {
    expect(parseNotice(JSON.stringify({ type: 'left', id: 'b', from: '4', to: '5' }))).toEqual({
      type: 'left',
      id: 'b',
      from: '4',
      to: '5',
    });
    expect(
      parseNotice(
        JSON.stringify({ type: 'joined', id: 'b', from: '4', to: '5', member: info, lastSeen: 1000 }),
      ),
    ).toEqual({ type: 'joined', id: 'b', from: '4', to: '5', member: { ...info, lastSeen: 1000 } });
  });

  it('keeps only the hint (re-read) when the change is incomplete or does not add up', () => {
    const hint = { type: 'joined', id: 'b' };
    expect(parseNotice(JSON.stringify(hint))).toEqual(hint);
    expect(parseNotice(JSON.stringify({ ...hint, from: '4', to: '5' }))).toEqual(hint);
    expect(parseNotice(JSON.stringify({ ...hint, from: 4, to: 5, member: info, lastSeen: 1 }))).toEqual(hint);
    expect(
      parseNotice(JSON.stringify({ ...hint, from: '4', to: '5', member: { ...info, id: 'c' }, lastSeen: 1 })),
    ).toEqual(hint);
    expect(parseNotice(JSON.stringify({ ...hint, from: '4', to: '5', member: info, lastSeen: 'x' }))).toEqual(
      hint,
    );
  });

  it('ignores what is not a notice', () => {
    for (const text of ['', '{', 'null', '[]', '{"type":"moved","id":"b"}', '{"type":"left","id":3}'])
      expect(parseNotice(text)).toBeUndefined();
  });
});
