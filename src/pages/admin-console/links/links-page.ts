import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditLog } from '../../../audit/audit-log.js';
import type { ClientStore } from '../../../clients/client-store.js';
import type { Clock } from '../../../clock.js';
import type { Config } from '../../../config/config.js';
import type { Db } from '../../../db/create-db.js';
import { linkUrls } from '../../../magento-link/activation-routes.js';
import type { LinkStore } from '../../../magento-link/link-store.js';
import { currentSigningProfile } from '../../../magento-link/signing-profile-selector.js';
import { verifyLinkCredentials } from '../../../magento-link/verify-link-credentials.js';
import { formBody } from '../../../security/form-body.js';
import type { ConsolePage } from '../console-deps.js';
import { presentLinkRow } from './present-links.js';

export interface LinksPageDeps {
  links: LinkStore;
  clients: ClientStore;
  audit: AuditLog;
  db: Db;
  clock: Clock;
  config: Pick<Config, 'issuer' | 'magentoBaseUrl' | 'magentoSigningProfile'>;
}

const DONE: Record<string, string> = {
  armed:
    'The Endpoint URL accepts an Activate for the next hour: click Activate (new integration) or ' +
    'Reauthorize (linked one) in Magento now.',
  revoked:
    'The Magento link is revoked: the app’s API calls fail until the store is linked again. Also delete ' +
    '(or Reauthorize) the integration in Magento: its token stays valid there until you do.',
  mode_oauth1: 'The app now calls Magento with OAuth 1.0a signed requests.',
  mode_bearer: 'The app now calls Magento with the integration token as a bearer token.',
};

/**
 * Store link at /admin/links: what `magento:list`, `magento:status`, `magento:link-urls`,
 * `magento:set-mode` and `magento:revoke` do, through the link store (the handshake itself stays
 * in magento-link/: Magento posts to the Endpoint URL, the activation service exchanges the token).
 */
export function linksPage(deps: LinksPageDeps): ConsolePage {
  const { links, clients, audit, config } = deps;
  const profileOf = (clientId: string) => currentSigningProfile(deps.db, config.magentoSigningProfile, clientId);
  return (guard, render) => {
    const router = new Router();
    const { signedIn, sessionCsrf, ownerOnly, stepUp } = guard;
    const actor = (ctx: Context) => ctx.state.console!.username;
    const detailHref = (clientId: string) => `/admin/links/${encodeURIComponent(clientId)}`;
    const notFound = (ctx: Context) =>
      render(ctx, 'admin-message', { title: 'Not found', text: 'No app has this id.', back: '/admin/links' }, 404);

    router.get('/admin/links', signedIn, async (ctx) => {
      const byClient = new Map((await links.list()).map((l) => [l.clientId, l]));
      const rows = [];
      for (const c of await clients.list())
        rows.push(presentLinkRow(c, byClient.get(c.clientId) ?? null, await profileOf(c.clientId)));
      return render(ctx, 'admin-links', {
        title: 'Store link',
        rows,
        magentoBaseUrl: config.magentoBaseUrl,
        signingSetting: config.magentoSigningProfile,
      });
    });

    async function showDetail(ctx: Context, errors: Record<string, string> = {}, status = 200) {
      const client = await clients.get(ctx.params.clientId!);
      if (!client) return notFound(ctx);
      const link = await links.get(client.clientId);
      const owner = ctx.state.console!.role === 'owner';
      // The URLs name the link's endpoint token: shown to owners (who can arm it), only once a link row exists.
      const urls = owner && link ? linkUrls(config.issuer, (await links.ensure(client.clientId)).endpointToken) : null;
      const q = ctx.query as Record<string, string | undefined>;
      return render(
        ctx,
        'admin-links-detail',
        {
          title: `Store link of ${client.name}`,
          link: presentLinkRow(client, link, await profileOf(client.clientId)),
          urls,
          hasLink: !!link,
          magentoBaseUrl: config.magentoBaseUrl,
          signingSetting: config.magentoSigningProfile,
          notice: DONE[String(q.done)] ?? null,
          errors,
          csrfToken: ctx.state.console!.session.csrfToken,
        },
        status,
      );
    }
    router.get('/admin/links/:clientId', signedIn, (ctx) => showDetail(ctx));

    // Reauthorize / get the URLs: opens the Endpoint URL for an hour, as `magento:link-urls` does. Not
    // destructive (the working credentials stay until Magento's exchange succeeds): no step-up.
    router.post('/admin/links/:clientId/arm', formBody(), signedIn, sessionCsrf, ownerOnly, async (ctx) => {
      const client = await clients.get(ctx.params.clientId!);
      if (!client) return notFound(ctx);
      await links.ensure(client.clientId);
      const until = await links.arm(client.clientId);
      await audit.record({
        type: 'magento.activation_armed',
        outcome: 'info',
        actor: actor(ctx),
        clientId: client.clientId,
        details: { until: until.toISOString(), via: 'console' },
      });
      ctx.status = 303;
      ctx.redirect(`${detailHref(client.clientId)}?done=armed`);
    });

    // Verified like `magento:set-mode` (bearer only if the store takes it): an edit, no step-up.
    router.post('/admin/links/:clientId/mode', formBody(), signedIn, sessionCsrf, ownerOnly, async (ctx) => {
      const client = await clients.get(ctx.params.clientId!);
      if (!client) return notFound(ctx);
      const mode = ctx.request.form?.mode;
      if (mode !== 'oauth1' && mode !== 'bearer') return showDetail(ctx, { mode: 'Choose OAuth 1.0a or bearer.' }, 400);
      const current = await links.activeCredentials(client.clientId);
      if (!current) return showDetail(ctx, { mode: 'The mode can be changed only on an active link.' }, 400);
      if (mode === 'bearer') {
        if (!config.magentoBaseUrl)
          return showDetail(ctx, { mode: 'MAGENTO_BASE_URL is not set: the bearer mode cannot be verified.' }, 400);
        const verdict = await verifyLinkCredentials(
          { ...current, mode },
          { magentoBaseUrl: config.magentoBaseUrl, clock: deps.clock },
        );
        if (!verdict.ok) return showDetail(ctx, { mode: `Mode unchanged: ${verdict.message}` }, 400);
      }
      await links.setMode(client.clientId, mode);
      await audit.record({
        type: 'magento.link_mode_changed',
        outcome: 'success',
        actor: actor(ctx),
        clientId: client.clientId,
        details: { mode, via: 'console' },
      });
      ctx.status = 303;
      ctx.redirect(`${detailHref(client.clientId)}?done=mode_${mode}`);
    });

    router.post(
      '/admin/links/:clientId/revoke',
      formBody(),
      signedIn,
      sessionCsrf,
      ownerOnly,
      stepUp(async (ctx) => {
        const client = await clients.get(ctx.params.clientId!);
        if (!client || !(await links.get(client.clientId))) return null;
        return {
          title: `Revoke the Magento link of “${client.name}”?`,
          text:
            'The bridge forgets the integration’s credentials: the app’s API calls fail until the store is ' +
            'linked again. Delete or Reauthorize the integration in Magento too.',
          confirmLabel: 'Revoke the link',
          back: detailHref(client.clientId),
        };
      }),
      async (ctx) => {
        const client = await clients.get(ctx.params.clientId!);
        if (!client || !(await links.get(client.clientId))) return notFound(ctx);
        await links.revoke(client.clientId);
        await audit.record({
          type: 'magento.link_revoked',
          outcome: 'success',
          actor: actor(ctx),
          clientId: client.clientId,
          details: { via: 'console' },
        });
        ctx.status = 303;
        ctx.redirect(`${detailHref(client.clientId)}?done=revoked`);
      },
    );
    return router;
  };
}
