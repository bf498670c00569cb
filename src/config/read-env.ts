import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

type Env = Record<string, string | undefined>;

/**
 * The environment the server, the CLI and the emulator read: a `.env` file in the working
 * directory, overridden by the real environment (so `PORT=4000 npm start` still wins). Tests pass
 * explicit env to loadConfig and never come through here.
 */
export function readEnv(opts: { cwd?: string; env?: Env } = {}): Env {
  const env = opts.env ?? process.env;
  const file = join(opts.cwd ?? process.cwd(), '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...env };
    throw err;
  }
  return { ...(parseEnv(text) as Env), ...env };
}
