import { readFileSync } from 'node:fs';

/** The bridge's version, from the package.json next to src/ (read once, locally). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
