import Router from '@koa/router';
import type Provider from 'oidc-provider';

/** Account every test-interaction login signs in as. */
export const TEST_ACCOUNT_ID = 'test-admin';

/**
 * Exists only in tests: finishes an oidc-provider interaction without the login/consent pages.
 * GET /test-interaction/:uid/approve logs TEST_ACCOUNT_ID in (login prompt) or grants exactly what
 * the consent prompt asks for (OIDC scopes and resource scopes); /deny ends it with access_denied.
 * The caller sends the `_interaction` cookie itself (its browser path is /interaction/:uid).
 */
export function testInteractionRouter(parts: { provider: Provider }): Router {
  const { provider } = parts;
  const router = new Router();
  router.get('/test-interaction/:uid/approve', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) ctx.throw(400, 'interaction mismatch');
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId: TEST_ACCOUNT_ID } };
    } else {
      const d = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      const grant = details.grantId
        ? (await provider.Grant.find(details.grantId))!
        : new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
      if (d.missingOIDCScope?.length) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims?.length) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      result = { consent: { grantId: await grant.save() } };
    }
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true }));
  });
  router.get('/test-interaction/:uid/deny', async (ctx) => {
    const result = { error: 'access_denied', error_description: 'denied in test' };
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  });
  return router;
}
