import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Db } from '../db/create-db.js';
import type { SecretBox } from '../security/secret-box.js';

const TABLE = 'signing_keys';
// Any constant works; it only has to be the same on every instance.
const KEYGEN_LOCK = 0x6d6f6232;

export type SigningAlg = 'RS256' | 'ES256';

export interface KeyInfo {
  kid: string;
  alg: string;
  createdAt: Date;
  retiredAt: Date | null;
  current: boolean;
}

/**
 * Signing keys live in the database, sealed with the secret box, so every instance signs with
 * the same key and a restart serves the same JWKS. Newest key first: oidc-provider signs with
 * the first key of a given alg and verifies with all of them.
 */
export function createKeyStore(deps: { db: Db; box: SecretBox }) {
  const { db, box } = deps;

  async function insertKey(trx: Db, alg: SigningAlg): Promise<string> {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = `${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    const sealed = box.seal(JSON.stringify({ ...jwk, kid, alg, use: 'sig' }), `signing_keys:${kid}`);
    await trx(TABLE).insert({ kid, alg, private_jwk_sealed: sealed, created_at: new Date() });
    return kid;
  }

  async function loadPrivateJwks(): Promise<JWK[]> {
    const rows: { kid: string; private_jwk_sealed: string }[] = await db(TABLE)
      .select('kid', 'private_jwk_sealed')
      .whereNull('retired_at')
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc');
    return rows.map((r) => JSON.parse(box.open(r.private_jwk_sealed, `signing_keys:${r.kid}`)) as JWK);
  }

  return {
    /** Generates the first keys on first start; the advisory lock stops two instances racing. */
    async ensureKeys(): Promise<JWK[]> {
      await db.transaction(async (trx) => {
        await trx.raw('select pg_advisory_xact_lock(?)', [KEYGEN_LOCK]);
        const count = await trx(TABLE).whereNull('retired_at').count<{ n: string }[]>({ n: '*' });
        if (Number(count[0]?.n ?? 0) === 0) {
          await insertKey(trx, 'ES256');
          // RS256 last so it is newest and the default for id tokens and JWT access tokens.
          await new Promise((r) => setTimeout(r, 5));
          await insertKey(trx, 'RS256');
        }
      });
      return loadPrivateJwks();
    },
    loadPrivateJwks,
    /** Adds a new key; older keys stay published for verification until retired. */
    async rotate(alg: SigningAlg = 'RS256'): Promise<string> {
      return db.transaction(async (trx) => {
        await trx.raw('select pg_advisory_xact_lock(?)', [KEYGEN_LOCK]);
        return insertKey(trx, alg);
      });
    },
    async list(): Promise<KeyInfo[]> {
      const rows: { kid: string; alg: string; created_at: Date; retired_at: Date | null }[] = await db(TABLE)
        .select('kid', 'alg', 'created_at', 'retired_at')
        .orderBy('created_at', 'desc')
        .orderBy('kid', 'desc');
      const currentByAlg = new Set<string>();
      return rows.map((r) => {
        const current = !r.retired_at && !currentByAlg.has(r.alg);
        if (current) currentByAlg.add(r.alg);
        return {
          kid: r.kid,
          alg: r.alg,
          createdAt: new Date(r.created_at),
          retiredAt: r.retired_at ? new Date(r.retired_at) : null,
          current,
        };
      });
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
