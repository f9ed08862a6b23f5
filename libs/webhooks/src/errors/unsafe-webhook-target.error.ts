/**
 * Why a webhook target was refused by the {@link SsrfGuard}.
 *
 * - `invalid-url`: the URL does not parse;
 * - `unsupported-protocol`: anything but `http:` and `https:`;
 * - `credentials-in-url`: the URL carries a user name or password;
 * - `metadata-host`: a well-known cloud metadata host name;
 * - `metadata-address`: a cloud metadata address (169.254.169.254, fd00:ec2::254, ...);
 * - `non-public-address`: the host is, or resolves to, an address outside public unicast space;
 * - `invalid-address`: the resolver answered something that is not an IP address.
 */
export type UnsafeWebhookTargetReason =
  | 'invalid-url'
  | 'unsupported-protocol'
  | 'credentials-in-url'
  | 'metadata-host'
  | 'metadata-address'
  | 'non-public-address'
  | 'invalid-address';

/** Details of an {@link UnsafeWebhookTargetError}. */
export interface UnsafeWebhookTargetDetails {
  /** The refused URL (credentials, if any, are redacted). */
  url: string;
  reason: UnsafeWebhookTargetReason;
  /** The refused IP address, when the refusal is about an address. */
  address?: string;
  /** Human-readable specifics, e.g. the ipaddr.js range name (`private`, `loopback`, ...). */
  detail?: string;
}

/**
 * Thrown by the {@link SsrfGuard} (and so by requests through the guarded dispatcher) when a webhook
 * URL points somewhere a server-side request must not go: internal networks, loopback, cloud metadata
 * endpoints, non-HTTP schemes. It is a permanent failure: retrying the same URL will not help.
 */
export class UnsafeWebhookTargetError extends Error {
  /** HTTP status `ShoalExceptionFilter` answers with. */
  readonly httpStatus = 400;
  /** The refused URL (credentials, if any, are redacted). */
  readonly url: string;
  /** The refused IP address, when the refusal is about an address. */
  readonly address?: string;
  /** The machine-readable cause. */
  readonly reason: UnsafeWebhookTargetReason;
  /** Human-readable specifics, e.g. the ipaddr.js range name. */
  readonly detail?: string;

  constructor(details: UnsafeWebhookTargetDetails) {
    const where = details.address === undefined ? '' : ` (address ${details.address})`;
    const why = details.detail === undefined ? details.reason : `${details.reason}: ${details.detail}`;
    super(`Refusing webhook target ${details.url}${where}: ${why}`);
    this.name = 'UnsafeWebhookTargetError';
    this.url = details.url;
    this.reason = details.reason;
    if (details.address !== undefined) this.address = details.address;
    if (details.detail !== undefined) this.detail = details.detail;
  }
}
