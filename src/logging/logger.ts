import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export { redact } from './redact.js';

/** JSON lines on stdout; one object per event so log shippers need no parsing rules. */
export function createLogger(opts: { level: LogLevel; write?: (line: string) => void; base?: Fields }): Logger {
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const min = ORDER[opts.level];
  const make = (base: Fields): Logger => {
    const log =
      (level: Exclude<LogLevel, 'silent'>) =>
      (msg: string, fields: Fields = {}) => {
        if (ORDER[level] < min) return;
        const line = { time: new Date().toISOString(), level, msg, ...(redact({ ...base, ...fields }) as Fields) };
        write(JSON.stringify(line));
      };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(opts.base ?? {});
}
