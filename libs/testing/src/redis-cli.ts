import { execFile } from 'node:child_process';

/** How long one `redis-cli` call may take by default. */
const CLI_TIMEOUT_MS = 10_000;

/**
 * Runs `redis-cli -p <port> <args...>` against 127.0.0.1 and resolves with its raw (non-tty) output; rejects when
 * the command fails, the server refuses it, or no answer comes within `timeoutMs`. Internal helper of the Redis
 * Cluster and Sentinel harnesses.
 */
export function redisCli(port: number, args: readonly string[], timeoutMs = CLI_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(port), '-e', ...args],
      { timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `redis-cli -p ${port} ${args.join(' ')}: ${(stderr || stdout || error.message).trim()}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

/** Parses `INFO` / `CLUSTER INFO` output (`key:value` lines) into a record. */
export function parseInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) info[line.slice(0, at)] = line.slice(at + 1);
  }
  return info;
}
