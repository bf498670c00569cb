import { errors, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * The `resource` of a refresh request, checked the way oidc-provider's resolveResource and our
 * defaultResource would (several values resolve to the API when it is among them), but before the
 * refresh token is consumed: oidc-provider rotates first, so a bad `resource` burnt the token.
 */
export function assertRefreshResource(ctx: KoaContextWithOIDC, payload: AdapterPayload, audience: string): void {
  const requested = ctx.oidc.params?.resource as string | string[] | undefined;
  if (requested === undefined) return;
  const values = Array.isArray(requested) ? requested : [requested];
  if (!values.length) return;
  const resource = values.length === 1 ? values[0] : values.includes(audience) ? audience : undefined;
  if (resource === undefined)
    throw new errors.InvalidTarget(
      'only a single resource indicator value must be requested/resolved during Access Token Request',
    );
  const granted = ([] as unknown[]).concat(payload.resource ?? []);
  if (resource !== audience || !granted.includes(resource)) throw new errors.InvalidTarget();
}
