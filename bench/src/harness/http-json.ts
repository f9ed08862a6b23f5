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
