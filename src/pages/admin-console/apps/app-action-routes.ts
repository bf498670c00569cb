import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ClientRecord } from '../../../clients/client-record.js';
import { formBody } from '../../../security/form-body.js';
import type { RenderPage } from '../../kit/view-renderer.js';
import type { ConsoleGuard } from '../console-guard.js';
import type { StepUpText } from '../console-step-up.js';
import type { AppsPageDeps } from './apps-page-deps.js';
import { deleteText, disableText, rotateText } from './app-step-up-text.js';
import { when } from './present-apps.js';

interface ActionContext {
  deps: AppsPageDeps;
  guard: ConsoleGuard;
  render: RenderPage;
  target: (ctx: Context) => Promise<ClientRecord | null>;
  notFound: (ctx: Context) => Promise<void>;
  actor: (ctx: Context) => string;
}

/**
 * An app's actions: rotate secret, disable and delete after a fresh code (step-up: the first POST
 * answers the confirmation page), enable without one (it restores what an owner had chosen).
 * Each after formBody, signedIn, sessionCsrf and ownerOnly; the registry audits with the actor.
 */
export function appActionRoutes(router: Router, a: ActionContext): void {
  const { deps, guard, render, target, notFound, actor } = a;
  const { clients } = deps;
  const write = (step: string) => `/admin/apps/:clientId/${step}`;
  const guarded = [formBody(), guard.signedIn, guard.sessionCsrf, guard.ownerOnly] as const;
  const described = (text: (c: ClientRecord, ctx: Context) => Promise<StepUpText> | StepUpText) =>
    guard.stepUp(async (ctx) => {
      const c = await target(ctx);
      return c ? text(c, ctx) : null;
    });

  router.post(
    write('rotate-secret'),
    ...guarded,
    described((c) => rotateText(c, deps.config.clientSecretRotationOverlapS)),
    async (ctx) => {
      const c = await target(ctx);
      if (!c) return notFound(ctx);
      if (c.authMethod !== 'client_secret_basic')
        return render(
          ctx,
          'admin-message',
          {
            title: 'No secret to rotate',
            text: 'This app does not authenticate with a client secret.',
            back: `/admin/apps/${encodeURIComponent(c.clientId)}`,
          },
          400,
        );
      const { clientSecret, previousSecretExpiresAt } = await clients.rotateSecret(c.clientId, actor(ctx));
      return render(ctx, 'admin-apps-secret', {
        title: 'New client secret',
        heading: `A new secret for “${c.name}”`,
        clientId: c.clientId,
        clientSecret,
        previousSecretUntil: when(previousSecretExpiresAt),
        previousSecretUntilIso: previousSecretExpiresAt.toISOString(),
        href: `/admin/apps/${encodeURIComponent(c.clientId)}`,
      });
    },
  );

  router.post(write('disable'), ...guarded, described(disableText), async (ctx) => {
    const c = await target(ctx);
    if (!c) return notFound(ctx);
    await clients.setEnabled(c.clientId, false, actor(ctx));
    ctx.status = 303;
    ctx.redirect(`/admin/apps/${encodeURIComponent(c.clientId)}?done=disabled`);
  });

  // Enabling restores what an owner had chosen before: no step-up.
  router.post(write('enable'), ...guarded, async (ctx) => {
    const c = await target(ctx);
    if (!c) return notFound(ctx);
    await clients.setEnabled(c.clientId, true, actor(ctx));
    ctx.status = 303;
    ctx.redirect(`/admin/apps/${encodeURIComponent(c.clientId)}?done=enabled`);
  });

  router.post(
    write('delete'),
    ...guarded,
    described(async (c) =>
      deleteText(c, (await deps.grants.list({ clientId: c.clientId })).length, await deps.links.get(c.clientId)),
    ),
    async (ctx) => {
      const c = await target(ctx);
      if (!c) return notFound(ctx);
      await clients.delete(c.clientId, actor(ctx));
      ctx.status = 303;
      ctx.redirect('/admin/apps?done=deleted');
    },
  );
}
