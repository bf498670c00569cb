import Provider, { errors, type Adapter } from 'oidc-provider';
import type { Clock } from '../clock.js';

/**
 * Wraps the RefreshToken adapter. oidc-provider revokes the whole grant when a consumed refresh
 * token comes back. Within the grace window (two tabs, a lost response) that is too harsh: the
 * replay fails with invalid_grant and the grant stays alive. Only the token endpoint is affected;
 * introspection and revocation still see the consumed token as it is.
 */
export function withRefreshReuseGrace(inner: Adapter, deps: { clock: Clock; graceMs: number; onGraceReuse?: (grantId: string | undefined, clientId: string | undefined) => void }): Adapter {
  const find: Adapter['find'] = async (id) => {
    const payload = await inner.find(id);
    const consumed = payload?.consumed;
    if (typeof consumed === 'number' && (Provider as unknown as { ctx?: { oidc?: { route?: string } } }).ctx?.oidc?.route === 'token') {
      if (deps.clock.now() - consumed * 1000 < deps.graceMs) {
        deps.onGraceReuse?.(payload?.grantId as string | undefined, payload?.clientId as string | undefined);
        throw new errors.InvalidGrant('refresh token already used (within the reuse grace window, grant kept)');
      }
    }
    return payload;
  };
  return {
    upsert: (...a) => inner.upsert(...a),
    find,
    findByUid: (...a) => inner.findByUid(...a),
    findByUserCode: (...a) => inner.findByUserCode(...a),
    consume: (...a) => inner.consume(...a),
    destroy: (...a) => inner.destroy(...a),
    revokeByGrantId: (...a) => inner.revokeByGrantId(...a),
  };
}
