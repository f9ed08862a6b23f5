/** GETs `url` and parses the JSON body; `undefined` on any error, non-2xx status, or no answer within `timeoutMs`. */
export async function getJson<T>(url: string, timeoutMs = 1000): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}

/**
 * Sends `method url` and parses the JSON answer; throws on any error, a non-2xx status (with its body), or no
 * answer within `timeoutMs`. For control calls that must succeed.
 */
export async function requestJson<T>(method: 'GET' | 'POST', url: string, timeoutMs: number): Promise<T> {
  const response = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
