import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditEvent } from '../audit/audit-events.js';
import { onProviderError, type ProviderError } from './provider-internals.js';

type Err = ProviderError;

function base(ctx: KoaContextWithOIDC | undefined): Pick<AuditEvent, 'ip' | 'requestId' | 'clientId'> {
  return {
    ip: ctx?.ip ?? null,
    requestId: (ctx?.state as { requestId?: string } | undefined)?.requestId ?? null,
    clientId: ctx?.oidc?.client?.clientId ?? (ctx?.oidc?.params?.client_id as string | undefined) ?? null,
  };
}

/** Provider events → audit trail. Writes are fire-and-forget: audit.record never throws. */
export function attachOAuthAuditEvents(provider: Provider, audit: AuditLog): void {
  const error = (ctx: KoaContextWithOIDC, err: Err) => {
    // JWT access tokens at introspection: answered by our guard, not an error.
    if (ctx?.oidc?.route === 'introspection' && err.error === 'unsupported_token_type') return;
    void audit.record({
      ...base(ctx),
      type: 'oauth.error',
      outcome: 'failure',
      details: {
        route: ctx?.oidc?.route,
        grantType: ctx?.oidc?.params?.grant_type,
        error: err.error ?? err.name,
        detail: err.error_detail ?? err.error_description,
      },
    });
  };
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Err) => {
    error(ctx, err);
    if (err.error_detail === 'refresh token already used') {
      void audit.record({
        ...base(ctx),
        type: 'token.refresh_reuse',
        outcome: 'denied',
        grantId: (ctx.oidc.entities.RefreshToken as { grantId?: string } | undefined)?.grantId ?? null,
        details: { withinGrace: false, grantRevoked: true },
      });
    }
  });
  for (const name of ['authorization.error', 'introspection.error', 'revocation.error', 'server_error'] as const) {
    onProviderError(provider, name, (ctx, err) => error(ctx, err));
  }
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    void audit.record({
      ...base(ctx),
      type: 'grant.revoked',
      outcome: 'success',
      grantId,
      details: { route: ctx?.oidc?.route },
    });
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const e = ctx.oidc.entities as Record<string, { grantId?: string; scope?: string } | undefined>;
    const token = e.AccessToken ?? e.ClientCredentials;
    void audit.record({
      ...base(ctx),
      type: 'token.issued',
      outcome: 'success',
      grantId: token?.grantId ?? null,
      details: { grantType: ctx.oidc.params?.grant_type, scope: token?.scope, rotated: Boolean(e.RotatedRefreshToken) },
    });
  });
}

/**
 * A grace-window replay: answered with the chain's next token, or refused when it had none. oidc-provider sees no
 * error.
 */
export function recordGraceReuse(
  audit: AuditLog,
  ctx: KoaContextWithOIDC | undefined,
  grantId: string | undefined,
  clientId: string | undefined,
  successorIssued: boolean,
): void {
  void audit.record({
    ...base(ctx),
    clientId: clientId ?? base(ctx).clientId,
    type: 'token.refresh_reuse',
    outcome: successorIssued ? 'info' : 'denied',
    grantId: grantId ?? null,
    details: { withinGrace: true, grantRevoked: false, successorIssued },
  });
}
