import { describe, expect, it } from '@jest/globals';

import { type HostResolver, type ResolvedAddress, SsrfGuard } from './ssrf-guard.js';
import {
  UnsafeWebhookTargetError,
  type UnsafeWebhookTargetReason,
} from '../errors/unsafe-webhook-target.error.js';

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

/** Fake DNS: never touches the network; unknown names fail like a real NXDOMAIN. */
const ZONE: Record<string, ResolvedAddress[]> = {
  localhost: [v4('127.0.0.1'), v6('::1')],
  'internal.example': [v4('10.1.2.3')],
  'mixed.example': [v4('93.184.216.34'), v4('10.0.0.5')],
  'mapped.example': [v6('::ffff:10.0.0.1')],
  'nat64.example': [v6('64:ff9b::a00:1')],
  'zero.example': [v4('0.0.0.0')],
  'public.example': [v4('93.184.216.34')],
  'public6.example': [v6('2606:4700::1111'), v4('1.1.1.1')],
  'metadata.google.internal': [v4('169.254.169.254')],
  'garbage.example': [v4('not-an-ip')],
  'empty.example': [],
};

function fakeDns(): { resolve: HostResolver; lookups: string[] } {
  const lookups: string[] = [];
  const resolve: HostResolver = async (hostname) => {
    lookups.push(hostname);
    const answer = ZONE[hostname];
    if (answer === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return answer;
  };
  return { resolve, lookups };
}

async function refusal(guard: SsrfGuard, url: string): Promise<UnsafeWebhookTargetError> {
  const error = await guard.check(url).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UnsafeWebhookTargetError)) {
    throw new Error(`expected ${url} to be refused, got ${String(error)}`);
  }
  return error;
}

describe('SsrfGuard', () => {
  const refused: [string, UnsafeWebhookTargetReason, string?][] = [
    ['http://127.0.0.1/', 'non-public-address', 'loopback'],
    ['http://localhost:8080/hook', 'non-public-address', 'loopback'],
    ['http://10.0.0.1/', 'non-public-address', 'private'],
    ['http://10.255.255.255/', 'non-public-address', 'private'],
    ['http://172.16.0.1/', 'non-public-address', 'private'],
    ['http://172.31.255.255/', 'non-public-address', 'private'],
    ['http://192.168.1.1/', 'non-public-address', 'private'],
    ['http://100.64.0.1/', 'non-public-address', 'carrierGradeNat'],
    ['http://100.127.255.255/', 'non-public-address', 'carrierGradeNat'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata-address'],
    ['http://169.254.0.1/', 'non-public-address', 'linkLocal'],
    ['http://0.0.0.0/', 'non-public-address', 'unspecified'],
    ['http://255.255.255.255/', 'non-public-address', 'broadcast'],
    ['http://224.0.0.1/', 'non-public-address', 'multicast'],
    ['http://240.0.0.1/', 'non-public-address', 'reserved'],
    ['http://192.0.2.10/', 'non-public-address', 'reserved'],
    ['http://[::1]/', 'non-public-address', 'loopback'],
    ['http://[::]/', 'non-public-address', 'unspecified'],
    ['http://[::ffff:127.0.0.1]/', 'non-public-address', 'loopback range (IPv4-mapped IPv6)'],
    ['http://[::ffff:10.0.0.1]/', 'non-public-address', 'private range (IPv4-mapped IPv6)'],
    ['http://[::ffff:169.254.169.254]/', 'metadata-address'],
    ['http://[::127.0.0.1]/', 'non-public-address', 'IPv4-compatible'],
    ['http://[fd00:ec2::254]/', 'metadata-address'],
    ['http://[fc00::1]/', 'non-public-address', 'uniqueLocal'],
    ['http://[fe80::1]/', 'non-public-address', 'linkLocal'],
    ['http://[ff02::1]/', 'non-public-address', 'multicast'],
    ['http://[64:ff9b::a00:1]/', 'non-public-address', 'rfc6052'],
    ['http://[2002:a00:1::1]/', 'non-public-address', '6to4'],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'non-public-address', 'teredo'],
    ['http://2130706433/', 'non-public-address', 'loopback'], // 127.0.0.1 in decimal
    ['http://0x7f.1/', 'non-public-address', 'loopback'], // 127.0.0.1 in hex shorthand
    ['http://internal.example/', 'non-public-address', 'private'],
    ['http://mixed.example/', 'non-public-address', 'private'],
    ['http://mapped.example/', 'non-public-address', 'IPv4-mapped'],
    ['http://nat64.example/', 'non-public-address', 'rfc6052'],
    ['http://zero.example/', 'non-public-address', 'unspecified'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata-host'],
    ['http://METADATA.Google.Internal./', 'metadata-host'],
    ['http://metadata/', 'metadata-host'],
    ['http://instance-data/latest/', 'metadata-host'],
    ['http://user:pass@example.com/', 'credentials-in-url'],
    ['https://token@example.com/', 'credentials-in-url'],
    ['ftp://example.com/file', 'unsupported-protocol'],
    ['file:///etc/passwd', 'unsupported-protocol'],
    ['gopher://example.com/', 'unsupported-protocol'],
    ['not a url', 'invalid-url'],
    ['http://garbage.example/', 'invalid-address'],
  ];

  // Object rows: with array rows shorter than the callback's arity, Jest would pass `done` as `detail`.
  const rows = refused.map(([url, reason, detail]) => ({ url, reason, detail }));

  it.each(rows)('refuses $url ($reason)', async ({ url, reason, detail }) => {
    const { resolve } = fakeDns();
    const error = await refusal(new SsrfGuard({ resolve }), url);
    expect(error.reason).toBe(reason);
    if (detail !== undefined) expect(error.detail).toContain(detail);
    expect(error.message).toContain('Refusing webhook target');
  });

  it('has a table of at least 24 refused targets', () => {
    expect(refused.length).toBeGreaterThanOrEqual(24);
  });

  it('does not resolve IP literals, and does not resolve at all what fails the static checks', async () => {
    const { resolve, lookups } = fakeDns();
    const guard = new SsrfGuard({ resolve });
    await refusal(guard, 'http://10.0.0.1/');
    await refusal(guard, 'http://[::1]/');
    await refusal(guard, 'http://metadata.google.internal/');
    await refusal(guard, 'ftp://public.example/');
    await guard.check('http://93.184.216.34/');
    expect(lookups).toEqual([]);
  });

  it('names the refused address and redacts credentials in the message', async () => {
    const { resolve } = fakeDns();
    const mixed = await refusal(new SsrfGuard({ resolve }), 'http://mixed.example/x');
    expect(mixed.address).toBe('10.0.0.5');
    expect(mixed.url).toBe('http://mixed.example/x');
    const creds = await refusal(new SsrfGuard({ resolve }), 'http://user:s3cret@example.com/');
    expect(creds.message).not.toContain('s3cret');
  });

  it('accepts public addresses and returns the first resolved address', async () => {
    const { resolve } = fakeDns();
    const guard = new SsrfGuard({ resolve });
    await expect(guard.check('https://public.example/hook')).resolves.toMatchObject({
      address: '93.184.216.34',
      family: 4,
    });
    await expect(guard.check('http://93.184.216.34:8080/')).resolves.toMatchObject({
      address: '93.184.216.34',
      family: 4,
    });
    await expect(guard.check('https://[2606:4700::1111]/')).resolves.toMatchObject({
      address: '2606:4700::1111',
      family: 6,
    });
    const checked = await guard.check(new URL('https://public6.example:8443/a?b=c'));
    expect(checked).toMatchObject({ address: '2606:4700::1111', family: 6 });
    expect(checked.url.href).toBe('https://public6.example:8443/a?b=c');
  });

  it('lets resolution failures through as they are (a network problem, not a refusal)', async () => {
    const { resolve } = fakeDns();
    const guard = new SsrfGuard({ resolve });
    await expect(guard.check('http://nxdomain.example/')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(guard.check('http://empty.example/')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(guard.check('http://nxdomain.example/')).rejects.not.toBeInstanceOf(
      UnsafeWebhookTargetError,
    );
  });

  describe('allowPrivateNetworks', () => {
    const { resolve } = fakeDns();
    const guard = new SsrfGuard({ resolve, allowPrivateNetworks: true });

    it.each([
      ['http://127.0.0.1:3000/', '127.0.0.1'],
      ['http://localhost/', '127.0.0.1'],
      ['http://[::1]/', '::1'],
      ['http://10.0.0.1/', '10.0.0.1'],
      ['http://100.64.0.1/', '100.64.0.1'],
      ['http://[fc00::1]/', 'fc00::1'],
      ['http://[::ffff:192.168.0.1]/', '::ffff:c0a8:1'],
    ])('accepts %s', async (url, address) => {
      await expect(guard.check(url)).resolves.toMatchObject({ address });
    });

    it.each([
      'http://169.254.169.254/',
      'http://169.254.0.1/',
      'http://[fd00:ec2::254]/',
      'http://100.100.100.200/',
      'http://metadata.google.internal/',
      'http://0.0.0.0/',
      'http://224.0.0.1/',
      'http://[2002:a00:1::1]/',
    ])('still refuses %s', async (url) => {
      await refusal(guard, url);
    });
  });

  describe('allowList', () => {
    it('accepts addresses inside an allowed CIDR or equal to an allowed IP, and nothing else', async () => {
      const { resolve } = fakeDns();
      const guard = new SsrfGuard({ resolve, allowList: ['127.0.0.0/8', '10.9.0.0/16', '::1'] });
      await expect(guard.check('http://127.0.0.1:4000/')).resolves.toMatchObject({ address: '127.0.0.1' });
      await expect(guard.check('http://127.1.2.3/')).resolves.toMatchObject({ address: '127.1.2.3' });
      await expect(guard.check('http://10.9.8.7/')).resolves.toMatchObject({ address: '10.9.8.7' });
      await expect(guard.check('http://[::ffff:127.0.0.1]/')).resolves.toMatchObject({
        address: '::ffff:7f00:1',
      });
      await expect(guard.check('http://localhost/')).resolves.toMatchObject({ address: '127.0.0.1' });
      await refusal(guard, 'http://10.0.0.1/');
      await refusal(guard, 'http://[fe80::1]/');
    });

    it('accepts a single IP without prefix', async () => {
      const guard = new SsrfGuard({ resolve: fakeDns().resolve, allowList: ['127.0.0.1'] });
      await expect(guard.check('http://127.0.0.1/')).resolves.toMatchObject({ address: '127.0.0.1' });
      await refusal(guard, 'http://127.0.0.2/');
    });

    it('accepts an allowed host name whatever it resolves to, but not its address as a literal', async () => {
      const { resolve } = fakeDns();
      const guard = new SsrfGuard({ resolve, allowList: ['LocalHost.', 'metadata.google.internal'] });
      await expect(guard.check('http://localhost:3000/')).resolves.toMatchObject({
        address: '127.0.0.1',
        family: 4,
      });
      await expect(guard.check('http://metadata.google.internal/')).resolves.toMatchObject({
        address: '169.254.169.254',
      });
      await refusal(guard, 'http://127.0.0.1/');
      await refusal(guard, 'http://internal.example/');
    });

    it('does not lift the scheme and credential checks', async () => {
      const guard = new SsrfGuard({ resolve: fakeDns().resolve, allowList: ['localhost', '127.0.0.1'] });
      expect((await refusal(guard, 'ftp://localhost/')).reason).toBe('unsupported-protocol');
      expect((await refusal(guard, 'http://a:b@127.0.0.1/')).reason).toBe('credentials-in-url');
    });
  });
});
