import { describe, expect, it } from '@jest/globals';
import { issueToken, verifyToken } from './sample-auth.js';

describe('sample tokens', () => {
  it('verifies a token signed with the secret and nothing else', () => {
    const token = issueToken('ada', 'secret');
    expect(verifyToken(token, 'secret')).toEqual({ id: 'ada' });
    expect(verifyToken(token, 'other secret')).toBeNull();
    expect(
      verifyToken(
        issueToken('bob', 'secret').replace(/^[^.]+/, Buffer.from('ada').toString('base64url')),
        'secret',
      ),
    ).toBeNull();
    expect(verifyToken('garbage', 'secret')).toBeNull();
    expect(verifyToken(undefined, 'secret')).toBeNull();
    expect(verifyToken(`${token}.x`, 'secret')).toBeNull();
  });
});
