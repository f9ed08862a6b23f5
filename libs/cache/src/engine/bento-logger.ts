import type { Logger } from '@nestjs/common';

type Log = (obj: unknown, msg?: unknown) => void;

/** What BentoCache logs through (pino-like). */
export interface BentoLogger {
  trace: Log;
  debug: Log;
  info: Log;
  warn: Log;
  error: Log;
  fatal: Log;
  child(bindings: unknown): BentoLogger;
}

function text(obj: unknown, msg: unknown): string {
  const message = typeof msg === 'string' ? msg : typeof obj === 'string' ? obj : 'bentocache';
  const details = obj && typeof obj === 'object' ? (obj as { key?: unknown; err?: unknown }) : {};
  const key = typeof details.key === 'string' ? ` (key ${details.key})` : '';
  const error = details.err instanceof Error ? `: ${details.err.message}` : '';
  return `${message}${key}${error}`;
}

/**
 * BentoCache's warnings and errors go to Nest's logger; its trace/debug/info chatter is dropped (it runs on every
 * call, and formatting it would cost more than the cache hit).
 */
export function bentoLogger(logger: Logger): BentoLogger {
  const quiet: Log = () => undefined;
  const self: BentoLogger = {
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: (obj, msg) => logger.warn(text(obj, msg)),
    error: (obj, msg) => logger.warn(text(obj, msg)),
    fatal: (obj, msg) => logger.error(text(obj, msg)),
    child: () => self,
  };
  return self;
}
