import { request } from 'node:http';

/** A control call's answer: status and body text. */
interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * Sends `method url` on a connection of its own (no keep-alive pool: the benchmark kills and starts processes
 * whose ports get reused, and a pooled connection to a killed process fails the next call on that port).
 */
function send(method: 'GET' | 'POST', url: string, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', (error) => reject(new Error(`${method} ${url}: ${error.message}`, { cause: error })));
    req.end();
  });
}

/** GETs `url` and parses the JSON body; `undefined` on any error, non-2xx status, or no answer within `timeoutMs`. */
export async function getJson<T>(url: string, timeoutMs = 1000): Promise<T | undefined> {
  try {
    const answer = await send('GET', url, timeoutMs);
    return answer.status >= 200 && answer.status < 300 ? (JSON.parse(answer.body) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends `method url` and parses the JSON answer; throws on any error, a non-2xx status (with its body), or no
 * answer within `timeoutMs`. For control calls that must succeed.
 */
export async function requestJson<T>(method: 'GET' | 'POST', url: string, timeoutMs: number): Promise<T> {
  const answer = await send(method, url, timeoutMs);
  if (answer.status < 200 || answer.status >= 300) {
    throw new Error(`${method} ${url}: ${answer.status} ${answer.body}`);
  }
  return JSON.parse(answer.body) as T;
}
