import { isIP, type LookupFunction } from 'node:net';

import { Agent, buildConnector, errors } from 'undici';

import type { SsrfGuard } from '../ssrf/ssrf-guard.js';

/** Options of {@link createGuardedDispatcher}. */
export interface GuardedDispatcherOptions {
  /**
   * Budget for resolving + checking the host, and then again for establishing the TCP/TLS connection.
   * Default 5 000 ms.
   */
  connectTimeoutMs?: number;
  /** How long an idle keep-alive socket is kept (unless the server says less). Default 4 000 ms. */
  keepAliveTimeoutMs?: number;
  /** Upper bound for a server-provided keep-alive hint. Default 60 000 ms. */
  keepAliveMaxTimeoutMs?: number;
  /** Maximum sockets per origin; undefined means unlimited. */
  connectionsPerOrigin?: number;
}

/**
 * Never called: the connector always hands Node an IP address, and Node skips `lookup` for IP literals.
 * It is there so that a future change that passes a host name fails closed instead of resolving it again.
 */
const refuseLookup: LookupFunction = (hostname, _options, callback) => {
  callback(new Error(`Unexpected DNS lookup of ${hostname} in the guarded webhook dispatcher`), '', 0);
};

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new errors.ConnectTimeoutError(`${what} timed out after ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * An undici `Agent` that runs the {@link SsrfGuard} on every new connection and connects to exactly the
 * address the guard checked, so there is no second DNS lookup and no DNS rebinding window between check
 * and connect. TLS still verifies the certificate against the URL's host name (SNI = host name).
 *
 * Why a custom `connect` function rather than `connect: { lookup }`: Node's `net.connect` does not call
 * `lookup` when the host is an IP literal, so a lookup hook would never see `http://127.0.0.1/` or
 * `http://[::1]/`. The connector sees every connection, literal or not.
 *
 * Keep-alive sockets are reused per origin (each was checked when it was opened). Redirects are not
 * followed: undici 7 only follows them through the redirect interceptor, which is not installed here
 * (undici 7 has no `maxRedirections` Agent option any more).
 */
export function createGuardedDispatcher(guard: SsrfGuard, options: GuardedDispatcherOptions = {}): Agent {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const openSocket = buildConnector({ timeout: connectTimeoutMs, keepAlive: true, lookup: refuseLookup });

  const connect: buildConnector.connector = (connectOptions, callback) => {
    const { protocol, hostname, port } = connectOptions;
    const host = connectOptions.host ?? `${isIP(hostname) === 6 ? `[${hostname}]` : hostname}:${port}`;
    withTimeout(guard.check(`${protocol}//${host}/`), connectTimeoutMs, `Checking webhook host ${host}`).then(
      // `host` stays the URL's host: undici derives the TLS servername (SNI, certificate check) from it.
      (target) => {
        try {
          openSocket({ ...connectOptions, hostname: target.address }, callback);
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)), null);
        }
      },
      (error: Error) => callback(error, null),
    );
  };

  return new Agent({
    connect,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    keepAliveMaxTimeout: options.keepAliveMaxTimeoutMs ?? 60_000,
    connections: options.connectionsPerOrigin ?? null,
  });
}
