import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';

import { type Agent, request } from 'undici';

import { createGuardedDispatcher } from './guarded-dispatcher.js';
import type { SsrfGuard } from '../ssrf/ssrf-guard.js';
import { UnsafeWebhookTargetError } from '../errors/unsafe-webhook-target.error.js';

/** Options of the {@link WebhookHttpClient}. */
export interface WebhookHttpClientOptions {
  /** Checks every target; its allow-list decides what "internal" targets are reachable. */
  guard: SsrfGuard;
  /** Budget for resolving + checking the host, then for the TCP/TLS handshake. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Total budget of one delivery, from the call to the last body byte read. Default 15 000 ms. */
  timeoutMs?: number;
  /** Response body bytes kept; reading stops (and the connection is dropped) past it. Default 64 KiB. */
  maxResponseBytes?: number;
  /** `user-agent` header. Default `Shoal-Webhooks/0.1`. */
  userAgent?: string;
}

/** The receiver answered (any status: classify it with `classifyResponse`). */
export interface WebhookHttpResponse {
  outcome: 'response';
  status: number;
  /** Response headers, lower-case names; repeated headers are joined with ", ". */
  headers: Record<string, string>;
  /** The body as UTF-8, at most `maxResponseBytes` bytes of it. */
  body: string;
  /** Whether the body was cut at `maxResponseBytes`. */
  truncated: boolean;
  durationMs: number;
}

/**
 * The delivery failed without a response: `network-error` (DNS failure, refused, reset, TLS...) and
 * `timeout` are worth retrying; `unsafe` (the SSRF guard refused the target) is final.
 */
export interface WebhookHttpFailure {
  outcome: 'network-error' | 'timeout' | 'unsafe';
  /** `Name [CODE]: message` of the underlying error. */
  error: string;
  durationMs: number;
}

/** Result of {@link WebhookHttpClient.post}. */
export type WebhookHttpResult = WebhookHttpResponse | WebhookHttpFailure;

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  return `${error.name}${code === undefined ? '' : ` [${code}]`}: ${error.message}`;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * POSTs webhook payloads with undici through a dispatcher guarded by the {@link SsrfGuard}: every
 * connection goes only to a checked address, redirects are not followed, a total timeout bounds each call,
 * and at most `maxResponseBytes` of the response are read. {@link post} never throws for network problems:
 * it reports them as an outcome.
 */
export class WebhookHttpClient {
  private readonly dispatcher: Agent;
  private readonly guard: SsrfGuard;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(options: WebhookHttpClientOptions) {
    this.guard = options.guard;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
    this.userAgent = options.userAgent ?? 'Shoal-Webhooks/0.1';
    this.dispatcher = createGuardedDispatcher(options.guard, {
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    });
  }

  /**
   * POSTs `body` to `url` with `content-type: application/json` and the client's `user-agent`, plus
   * `headers` (e.g. the Standard Webhooks signature headers; they may override content-type).
   * @throws only for programming errors (e.g. an invalid header value), never for network problems.
   */
  async post(
    url: string | URL,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<WebhookHttpResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);

    let target: URL;
    try {
      target = this.guard.validateUrl(url); // cheap checks first; the dispatcher does the DNS + address ones
    } catch (error) {
      return { outcome: 'unsafe', error: describe(error), durationMs: elapsed() };
    }

    const requestHeaders: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.userAgent,
    };
    for (const [name, value] of Object.entries(headers)) requestHeaders[name.toLowerCase()] = value;

    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`Timed out after ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    try {
      const response = await request(target, {
        dispatcher: this.dispatcher,
        method: 'POST',
        headers: requestHeaders,
        body,
        signal: controller.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const { text, truncated } = await this.readCapped(response.body);
      return {
        outcome: 'response',
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: text,
        truncated,
        durationMs: elapsed(),
      };
    } catch (error) {
      if (errorCode(error) === 'UND_ERR_INVALID_ARG') throw error;
      const outcome =
        error instanceof UnsafeWebhookTargetError
          ? 'unsafe'
          : controller.signal.aborted || TIMEOUT_CODES.has(errorCode(error) ?? '')
            ? 'timeout'
            : 'network-error';
      const description = controller.signal.aborted ? describe(controller.signal.reason) : describe(error);
      return { outcome, error: description, durationMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the pooled connections (waits for in-flight requests). */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * Reads the body up to the cap, then destroys the stream: undici drops the connection instead of
   * draining the rest, so a huge or endless response costs at most the cap (plus one chunk).
   */
  private async readCapped(stream: AsyncIterable<Buffer> & { destroy(): void }): Promise<{
    text: string;
    truncated: boolean;
  }> {
    const decoder = new StringDecoder('utf8');
    let text = '';
    let received = 0;
    for await (const chunk of stream) {
      const room = this.maxResponseBytes - received;
      if (chunk.length > room) {
        // An incomplete trailing UTF-8 sequence is dropped rather than decoded as U+FFFD.
        text += decoder.write(chunk.subarray(0, room));
        stream.destroy();
        return { text, truncated: true };
      }
      received += chunk.length;
      text += decoder.write(chunk);
    }
    return { text: text + decoder.end(), truncated: false };
  }
}
