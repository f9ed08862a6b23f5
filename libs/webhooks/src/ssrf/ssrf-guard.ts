import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import ipaddr from 'ipaddr.js';

import {
  UnsafeWebhookTargetError,
  type UnsafeWebhookTargetReason,
} from '../errors/unsafe-webhook-target.error.js';

/** One answer of a {@link HostResolver}, shaped like `dns.promises.lookup(host, { all: true })`. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses. Injectable so that tests never touch real DNS. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Options of the {@link SsrfGuard}. */
export interface SsrfGuardOptions {
  /**
   * Accept loopback, RFC 1918 private, carrier-grade NAT (100.64/10) and unique-local (fc00::/7) addresses,
   * for development and private deployments. Link-local (169.254/16, fe80::/10), cloud metadata addresses
   * and host names, and the unspecified, broadcast, multicast and reserved ranges stay refused; put them in
   * {@link allowList} if you really mean it. Default false.
   */
  allowPrivateNetworks?: boolean;
  /**
   * Always-allowed targets: exact host names (matched case-insensitively, without a trailing dot; every
   * address they resolve to is accepted) and IP addresses or CIDRs (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`).
   */
  allowList?: readonly string[];
  /** Default: `dns.promises.lookup(host, { all: true })`. */
  resolve?: HostResolver;
}

/** A target accepted by {@link SsrfGuard.check}: connect to `address`, never re-resolve `url`'s host. */
export interface CheckedWebhookTarget {
  url: URL;
  /** The address to connect to (the first resolved one; all resolved ones were checked). */
  address: string;
  family: 4 | 6;
}

type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [IpAddress, number];

/** Cloud metadata host names, refused even with `allowPrivateNetworks`. */
const METADATA_HOSTS: ReadonlySet<string> = new Set([
  'metadata.google.internal',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Cloud metadata and credential endpoints, refused even with `allowPrivateNetworks`. */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS, GCP, Azure, DigitalOcean, OpenStack, ...
  '169.254.170.2', // AWS ECS task credentials
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (legacy)
  'fd00:ec2::254', // AWS IMDS over IPv6
]);

/** The ipaddr.js ranges that `allowPrivateNetworks` opens. */
const PRIVATE_NETWORK_RANGES: ReadonlySet<string> = new Set([
  'private',
  'loopback',
  'carrierGradeNat',
  'uniqueLocal',
]);

const defaultResolve: HostResolver = (hostname) => lookup(hostname, { all: true });

/** `::a.b.c.d` (deprecated IPv4-compatible IPv6, ::/96): ipaddr.js calls it unicast, we do not. */
function isIpv4Compatible(ip: ipaddr.IPv6): boolean {
  return ip.parts.slice(0, 6).every((part) => part === 0);
}

function normalizeHostName(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '');
}

/** The URL as text, without its password, for error messages. */
function redact(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/**
 * Server-side request forgery guard for webhook URLs supplied by tenants.
 *
 * {@link check} accepts only `http:`/`https:` URLs without credentials whose host resolves exclusively to
 * public unicast addresses (as classified by ipaddr.js, IPv4-mapped IPv6 being judged as its IPv4 address)
 * and returns the address to connect to. Connect to that address (see `createGuardedDispatcher`): resolving
 * the host again would let a DNS rebinding attack swap a checked public address for an internal one.
 */
export class SsrfGuard {
  private readonly allowPrivateNetworks: boolean;
  private readonly allowedHosts = new Set<string>();
  private readonly allowedCidrs: Cidr[] = [];
  private readonly resolve: HostResolver;

  constructor(options: SsrfGuardOptions = {}) {
    this.allowPrivateNetworks = options.allowPrivateNetworks ?? false;
    this.resolve = options.resolve ?? defaultResolve;
    for (const raw of options.allowList ?? []) {
      const entry = raw.trim();
      if (ipaddr.isValidCIDR(entry)) {
        this.allowedCidrs.push(ipaddr.parseCIDR(entry));
      } else if (isIP(entry) !== 0) {
        const ip = ipaddr.parse(entry);
        this.allowedCidrs.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
      } else if (entry !== '') {
        this.allowedHosts.add(normalizeHostName(entry));
      }
    }
  }

  /**
   * The checks that need no DNS: parses the URL and refuses other schemes, credentials and cloud metadata
   * host names.
   * @throws UnsafeWebhookTargetError
   */
  validateUrl(target: string | URL): URL {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new UnsafeWebhookTargetError({ url: String(target), reason: 'invalid-url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UnsafeWebhookTargetError({
        url: redact(url),
        reason: 'unsupported-protocol',
        detail: url.protocol,
      });
    }
    if (url.username !== '' || url.password !== '') {
      throw new UnsafeWebhookTargetError({ url: redact(url), reason: 'credentials-in-url' });
    }
    const host = normalizeHostName(url.hostname);
    if (METADATA_HOSTS.has(host) && !this.allowedHosts.has(host)) {
      throw new UnsafeWebhookTargetError({ url: redact(url), reason: 'metadata-host', detail: host });
    }
    return url;
  }

  /**
   * Validates the URL, resolves its host (IP literals are used as they are) and checks every address.
   * @returns the URL and the first resolved address, which is the one to connect to.
   * @throws UnsafeWebhookTargetError when the URL or any resolved address is refused.
   * @throws the resolver's error (e.g. `ENOTFOUND`) when resolution fails: a network problem, not a refusal.
   */
  async check(target: string | URL): Promise<CheckedWebhookTarget> {
    const url = this.validateUrl(target);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const hostAllowed = this.allowedHosts.has(normalizeHostName(hostname));

    const answers: readonly ResolvedAddress[] =
      isIP(hostname) !== 0 ? [{ address: hostname, family: isIP(hostname) }] : await this.resolve(hostname);
    if (answers.length === 0) {
      throw Object.assign(new Error(`Webhook host ${hostname} resolved to no address`), {
        code: 'ENOTFOUND',
      });
    }

    for (const { address } of answers) {
      if (!ipaddr.isValid(address) || isIP(address) === 0) {
        throw new UnsafeWebhookTargetError({ url: redact(url), address, reason: 'invalid-address' });
      }
      if (hostAllowed) continue;
      const refusal = this.refusal(ipaddr.parse(address));
      if (refusal !== undefined) {
        throw new UnsafeWebhookTargetError({ url: redact(url), address, ...refusal });
      }
    }

    const { address } = answers[0];
    return { url, address, family: isIP(address) === 6 ? 6 : 4 };
  }

  /** Why this address is refused, or undefined when it is acceptable. */
  private refusal(ip: IpAddress): { reason: UnsafeWebhookTargetReason; detail: string } | undefined {
    const mapped = ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress();
    const effective: IpAddress = ip instanceof ipaddr.IPv6 && mapped ? ip.toIPv4Address() : ip;
    if (this.isAllowListed(ip) || this.isAllowListed(effective)) return undefined;

    const suffix = mapped ? ' (IPv4-mapped IPv6)' : '';
    const normalized = effective instanceof ipaddr.IPv6 ? effective.toRFC5952String() : effective.toString();
    if (METADATA_ADDRESSES.has(normalized)) {
      return { reason: 'metadata-address', detail: `cloud metadata endpoint${suffix}` };
    }
    const range = effective.range();
    if (range === 'unicast') {
      if (effective instanceof ipaddr.IPv6 && isIpv4Compatible(effective)) {
        return { reason: 'non-public-address', detail: 'IPv4-compatible IPv6 (::/96)' };
      }
      return undefined;
    }
    if (this.allowPrivateNetworks && PRIVATE_NETWORK_RANGES.has(range)) return undefined;
    return { reason: 'non-public-address', detail: `${range} range${suffix}` };
  }

  private isAllowListed(ip: IpAddress): boolean {
    return this.allowedCidrs.some(
      ([network, bits]) => network.kind() === ip.kind() && ip.match(network, bits),
    );
  }
}
