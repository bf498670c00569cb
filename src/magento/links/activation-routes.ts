import Router from '@koa/router';
import { formBody } from '../../security/form-body.js';
import type { LinkActivation } from './link-activation.js';
import type { LinkStore } from './link-store.js';

export const ACTIVATION_PATH = '/magento/activate';

/**
 * The Endpoint URL Magento posts the integration's credentials to. The path token is the only
 * thing that names the client, so it is long and random (see LinkStore.ensure).
 */
export function activationRoutes(deps: { links: LinkStore; activation: LinkActivation }): Router {
  const router = new Router();
  router.post(`${ACTIVATION_PATH}/:endpointToken`, formBody({ limitBytes: 4096 }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const clientId = await deps.links.clientIdForEndpoint(ctx.params.endpointToken!);
    if (!clientId) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', message: 'Unknown endpoint URL' };
      return;
    }
    const outcome = await deps.activation.receive(clientId, ctx.request.form ?? {}, { ip: ctx.ip, requestId: ctx.state.requestId });
    if (!outcome.ok) {
      ctx.status = outcome.status;
      ctx.body = { error: 'invalid_request', message: outcome.message };
      return;
    }
    ctx.status = 200;
    ctx.body = { status: 'received' };
  });
  return router;
}

export function linkUrls(issuer: string, endpointToken: string) {
  return {
    endpoint_url: `${issuer}${ACTIVATION_PATH}/${endpointToken}`,
    // No query string: Magento appends `?oauth_consumer_key=…` blindly.
    identity_link_url: `${issuer}/magento/identity/${endpointToken}`,
  };
}
