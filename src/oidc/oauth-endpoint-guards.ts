import type { KoaContextWithOIDC } from 'oidc-provider';
import { decodeJwt } from 'jose';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientStore } from '../clients/client-store.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';

type Next = () => Promise<unknown>;

/**
 * Provider middleware that finishes what oidc-provider's introspection and revocation leave to us:
 * - introspection is for confidential clients only (a public client gets invalid_client);
 * - a token whose client is disabled is inactive;
 * - JWT access tokens (which oidc-provider refuses as unsupported_token_type) are answered by
 *   the same verifier the gateway uses, so a revoked grant or disabled client shows inactive;
 * - a grant type the client may not use is unauthorized_client, as RFC 6749 says;
 * - successful revocations are audited (oidc-provider has no success event for them).
 */
export function oauthEndpointGuards(deps: {
  clientStore: ClientStore;
  verifier: () => AccessTokenVerifier;
  audit: AuditLog;
  audience: string;
  issuer: string;
}) {
  return async function oauthEndpointGuardsMiddleware(ctx: KoaContextWithOIDC, next: Next) {
    await next();
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (oidc?.route === 'token') {
      unauthorizedClient(ctx);
      dpopRequired(ctx);
    } else if (oidc?.route === 'introspection') await afterIntrospection(ctx);
    else if (oidc?.route === 'revocation' && ctx.status === 200) {
      void deps.audit.record({
        type: 'token.revoked',
        outcome: 'success',
        clientId: oidc.client?.clientId ?? null,
        ip: ctx.ip,
        requestId: (ctx.state as { requestId?: string }).requestId ?? null,
        details: { tokenTypeHint: oidc.params?.token_type_hint },
      });
    }
  };

  // RFC 6749 §5.2: a grant type the client is not registered for is unauthorized_client
  // (oidc-provider says invalid_request).
  function unauthorizedClient(ctx: KoaContextWithOIDC) {
    const body = ctx.body as Record<string, unknown> | undefined;
    if (
      ctx.status === 400 &&
      body?.error === 'invalid_request' &&
      body.error_description === 'requested grant type is not allowed for this client'
    ) {
      ctx.body = { ...body, error: 'unauthorized_client' };
    }
  }

  // oidc-provider answers a missing proof from a client with dpop_bound_access_tokens with the
  // opaque "grant request is invalid"; RFC 9449 §5 names invalid_dpop_proof for proof problems.
  function dpopRequired(ctx: KoaContextWithOIDC) {
    const body = ctx.body as Record<string, unknown> | undefined;
    const client = ctx.oidc.client as { dpopBoundAccessTokens?: boolean } | undefined;
    if (ctx.status === 400 && body?.error === 'invalid_grant' && client?.dpopBoundAccessTokens && !ctx.get('dpop')) {
      ctx.body = {
        error: 'invalid_dpop_proof',
        error_description: 'this client must send a DPoP proof (DPoP header) with token requests',
      };
    }
  }

  async function afterIntrospection(ctx: KoaContextWithOIDC) {
    const client = ctx.oidc.client;
    if (!client) return;
    if (client.clientAuthMethod === 'none') {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Basic realm="introspection"');
      ctx.body = {
        error: 'invalid_client',
        error_description: 'introspection is only available to confidential clients',
      };
      return;
    }
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status === 400 && body?.error === 'unsupported_token_type') {
      const token = String(ctx.oidc.params?.token ?? '');
      const verified = await deps.verifier().verify(token);
      ctx.status = 200;
      if (!verified) {
        ctx.body = { active: false };
        return;
      }
      const claims = decodeJwt(token);
      ctx.body = {
        active: true,
        scope: verified.scopes.join(' ') || undefined,
        client_id: verified.clientId,
        sub: claims.sub,
        exp: verified.exp,
        iat: claims.iat,
        aud: claims.aud,
        iss: deps.issuer,
        jti: claims.jti,
        // A resource server checks the DPoP binding against cnf.jkt (RFC 9449 §6.2).
        token_type: verified.jkt ? 'DPoP' : 'Bearer',
        ...(verified.jkt ? { cnf: { jkt: verified.jkt } } : {}),
      };
      return;
    }
    if (
      body?.active === true &&
      typeof body.client_id === 'string' &&
      !(await deps.clientStore.isActive(body.client_id))
    ) {
      ctx.body = { active: false };
    }
  }
}
