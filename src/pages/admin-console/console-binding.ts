import { createHash } from 'node:crypto';

/** What a passkey challenge is bound to in the console: this session (a hash of its cookie) and a purpose. */
export const consoleBinding = (token: string, purpose = 'console') =>
  `${purpose}:${createHash('sha256').update(token).digest('hex')}`;
