import pino from 'pino';
import { REDACTED, redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
  /** Writes out what is buffered, synchronously: before process.exit. */
  flush(): void;
}

export { redact } from './redact.js';

/**
 * Where credentials sit in the objects we log, redacted by pino's compiled paths; the name-based
 * pass in redact.ts (run on every line's fields) catches them wherever else they appear.
 */
const REDACT_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers.dpop',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.client_secret',
  '*.access_token',
  '*.refresh_token',
];

/**
 * JSON lines (pino), one object per event so log shippers need no parsing rules. stdout is
 * written asynchronously: a request never waits on the terminal or a pipe.
 * `write` (tests, the CLI's stderr) receives each line synchronously instead.
 */
export function createLogger(opts: { level: LogLevel; write?: (line: string) => void; base?: Fields }): Logger {
  const destination = opts.write
    ? { write: (line: string) => opts.write!(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : // Asynchronous; lines written while a write is in flight are coalesced into the next one.
      pino.destination({ dest: 1, sync: false });
  const root = pino(
    {
      level: opts.level,
      base: opts.base ? (redact(opts.base) as Fields) : null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redact(fields) as Fields,
      },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    destination,
  );
  const flush = () => {
    if ('flushSync' in destination) {
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered yet (the stream is not open): nothing to lose.
      }
    }
  };
  const wrap = (p: pino.Logger): Logger => ({
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (fields) => wrap(p.child(redact(fields) as Fields)),
    flush,
  });
  return wrap(root);
}
