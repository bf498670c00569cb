// In-memory state of the emulated Magento: integrations, their OAuth consumer and token, nonces.
import { randomBytes } from 'node:crypto';

export type TokenType = 'verifier' | 'request' | 'access';

export interface EmulatedIntegration {
  id: number;
  name: string;
  status: 'inactive' | 'active';
  /** ACL resources granted; `all` grants everything (Magento's "Resource Access: All"). */
  resources: string[] | 'all';
  consumerKey: string;
  consumerSecret: string;
  /** Clock time (ms) of the last activation POST; the token request must follow within 300 s. */
  activatedAt: number | null;
  token: { type: TokenType; token: string; secret: string; verifier: string; revoked: boolean } | null;
}

/** 32 chars of [0-9a-z], like Magento's Oauth\Helper\Oauth::generateRandomString. */
export function randomToken(length = 32): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 252 && out.length < length) out += alphabet[byte % 36];
    }
  }
  return out;
}

export function createEmulatorStore() {
  const integrations = new Map<number, EmulatedIntegration>();
  const nonces = new Set<string>();
  let nextId = 1;

  return {
    integrations,
    create(options: { name?: string; resources?: string[]; all?: boolean }): EmulatedIntegration {
      const id = nextId++;
      const integration: EmulatedIntegration = {
        id,
        name: options.name ?? `integration-${id}`,
        status: 'inactive',
        resources: options.all ? 'all' : [...(options.resources ?? [])],
        consumerKey: randomToken(),
        consumerSecret: randomToken(),
        activatedAt: null,
        token: null,
      };
      integrations.set(id, integration);
      return integration;
    },
    byConsumerKey(key: string): EmulatedIntegration | undefined {
      return [...integrations.values()].find((i) => i.consumerKey === key);
    },
    byToken(token: string): EmulatedIntegration | undefined {
      return [...integrations.values()].find((i) => i.token?.token === token);
    },
    /** Records the nonce; false when this consumer already used it. */
    useNonce(integrationId: number, nonce: string): boolean {
      const key = `${integrationId}:${nonce}`;
      if (nonces.has(key)) return false;
      nonces.add(key);
      return true;
    },
  };
}

export type EmulatorStore = ReturnType<typeof createEmulatorStore>;
