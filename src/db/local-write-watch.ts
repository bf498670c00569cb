import type { Db } from './create-db.js';
import type { ChangeFeed, ChangeTag } from './change-feed.js';

const TABLE_TAGS: [RegExp, ChangeTag][] = [
  [/^(?:update|delete from) "oidc_payloads"/i, 'payload'],
  [/^(?:insert into|update|delete from) "oauth_clients"/i, 'client'],
  [/^(?:insert into|update|delete from) "(?:magento_links|magento_signing_profiles)"/i, 'link'],
  [/^(?:insert into|update|delete from) "security_blocks"/i, 'block'],
];
/** Models whose rows no cache holds: their writes (every page view, every refresh) evict nothing. */
const UNCACHED_MODELS = new Set([
  'Session',
  'Interaction',
  'AuthorizationCode',
  'RefreshToken',
  'PushedAuthorizationRequest',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ReplayDetection',
]);

/**
 * Evicts this process's caches right after its own writes to the tables they depend on, so a
 * revocation made here holds here at once, without waiting for (or having) the database's
 * notification. Coarse on purpose (the whole tag): these writes are rare, and nothing is missed.
 */
export function watchLocalWrites(db: Db, feed: ChangeFeed): void {
  db.on('query-response', (_response: unknown, query: { sql?: string; bindings?: unknown[] }) => {
    const sql = query.sql ?? '';
    const first = sql.charCodeAt(0) | 0x20; // i, u, d: writes only, cheaply
    if (first !== 0x69 && first !== 0x75 && first !== 0x64) return;
    for (const [pattern, tag] of TABLE_TAGS) {
      if (!pattern.test(sql)) continue;
      if (tag === 'payload' && query.bindings?.some((b) => typeof b === 'string' && UNCACHED_MODELS.has(b))) return;
      feed.emitLocal({ tag, key: null });
      return;
    }
  });
}
