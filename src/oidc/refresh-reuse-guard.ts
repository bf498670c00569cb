import { errors, type Adapter, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.js';
import { hashId, type RotatingAdapter } from './postgres-adapter.js';
import type { RefreshChain } from './refresh-chain.js';
import { assertRefreshResource } from './refresh-resource-check.js';
import { currentContext, rotatedRefreshToken } from './provider-internals.js';

type Ctx = KoaContextWithOIDC | undefined;

export interface RefreshReuseGraceDeps {
  clock: Clock;
  graceMs: number;
  /** The API's resource indicator: the only resource a refresh may name. */
  audience: string;
  chain: RefreshChain;
  onGraceReuse?: (grantId: string | undefined, clientId: string | undefined, successorIssued: boolean) => void;
}

const currentCtx = (): Ctx => currentContext();
const isRefreshGrant = (ctx: Ctx): ctx is KoaContextWithOIDC =>
  ctx?.oidc?.route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token';

/**
 * Wraps the RefreshToken adapter for the token endpoint's refresh grant (introspection and
 * revocation see tokens as stored).
 *
 * Reuse grace: oidc-provider revokes the whole grant when a consumed refresh token comes back. Within
 * REFRESH_REUSE_GRACE_S of its consumption (a response lost on a mobile network, two tabs) the
 * replay is answered like a refresh instead: `find` hides the consumption, and `consume` — which
 * finds the token spent — consumes the live end of its chain instead (refresh-chain.ts). The replay
 * gets a new access token and a new refresh token that continues the chain; the token the earlier
 * rotation issued is spent. So one live refresh token per chain, always: parallel refreshes with
 * one token each consume a different, live link, or fail with invalid_grant. Past the window, reuse
 * revokes the grant (oidc-provider's own behaviour).
 *
 * Also: an unknown `resource` fails with invalid_target here, before the token is consumed
 * (oidc-provider checks it after rotating).
 */
export function withRefreshReuseGrace(inner: Adapter, deps: RefreshReuseGraceDeps): Adapter {
  // Per request: the row the new refresh token continues, when a grace replay moved the chain on.
  const graceParents = new WeakMap<object, string>();

  const find: Adapter['find'] = async (id) => {
    const payload = await inner.find(id);
    const ctx = currentCtx();
    if (!payload || !isRefreshGrant(ctx)) return payload;
    if (payload.clientId === ctx.oidc.client?.clientId) assertRefreshResource(ctx, payload, deps.audience);
    const consumed = payload.consumed;
    if (typeof consumed === 'number' && deps.clock.now() - consumed * 1000 < deps.graceMs) {
      const { consumed: _consumed, ...live } = payload;
      return live as AdapterPayload;
    }
    return payload;
  };

  const consume: Adapter['consume'] = async (id) => {
    try {
      await inner.consume(id);
    } catch (err) {
      // Spent already: hidden by find (within grace), or by a parallel refresh after find.
      const ctx = currentCtx();
      if (!isRefreshGrant(ctx) || deps.graceMs <= 0) throw err;
      const successor = await deps.chain.consumeLiveSuccessor(id);
      const token = ctx.oidc.entities.RefreshToken as { grantId?: string; clientId?: string } | undefined;
      deps.onGraceReuse?.(token?.grantId, token?.clientId, successor !== null);
      if (!successor)
        throw new errors.InvalidGrant('refresh token already used (within the reuse grace window, no live successor)');
      graceParents.set(ctx, successor);
    }
  };

  const upsert: Adapter['upsert'] = async (id, payload, expiresIn) => {
    const ctx = currentCtx();
    const rotated = isRefreshGrant(ctx) ? rotatedRefreshToken(ctx)?.jti : undefined;
    const parent = isRefreshGrant(ctx) ? (graceParents.get(ctx) ?? (rotated ? hashId(rotated) : undefined)) : undefined;
    // One statement when the table's adapter can (a round trip less per refresh), else insert then link.
    if (parent && 'upsertRotated' in inner)
      return (inner as RotatingAdapter).upsertRotated(id, payload, expiresIn, parent);
    await inner.upsert(id, payload, expiresIn);
    if (parent) await deps.chain.link(id, parent);
  };

  return {
    upsert,
    find,
    findByUid: (...a) => inner.findByUid(...a),
    findByUserCode: (...a) => inner.findByUserCode(...a),
    consume,
    destroy: (...a) => inner.destroy(...a),
    revokeByGrantId: (...a) => inner.revokeByGrantId(...a),
  };
}
