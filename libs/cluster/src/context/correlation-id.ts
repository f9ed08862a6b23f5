/** The most a correlation id taken from a request header may be: longer ones are cut. */
const MAX_LENGTH = 200;
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * The correlation id a request asks for: `x-request-id` when present and printable, else the trace id of a W3C
 * `traceparent` (`00-<32 hex trace id>-<16 hex>-<2 hex>`), else undefined.
 */
export function correlationIdFrom(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const requestId = first(headers['x-request-id'])?.trim();
  if (requestId && PRINTABLE.test(requestId)) return requestId.slice(0, MAX_LENGTH);
  const traceparent = first(headers['traceparent'])?.trim();
  const traceId =
    traceparent && /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent)?.[1];
  return traceId && !/^0+$/.test(traceId) ? traceId : undefined;
}
