import Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminManagement } from '../../../admins/admin-management.js';
import type { ClientStore } from '../../../clients/client-store.js';
import type { Clock } from '../../../clock.js';
import type { GrantAdmin } from '../../../oidc/grant-admin.js';
import { formBody } from '../../../security/form-body.js';
import type { ConsolePage } from '../console-deps.js';
import { presentGrants } from './present-grants.js';

export interface GrantsPageDeps {
  grants: GrantAdmin;
  clients: ClientStore;
  admins: AdminManagement;
  clock: Clock;
}

/** Fixed sentences for `?done=`: nothing from the query is ever shown. */
const DONE: Record<string, string> = {
  revoked: 'The grant is revoked: its tokens are refused now (on every instance within a second).',
  revoked_app: 'Every grant of the app is revoked: its tokens are refused now. The app stays registered.',
  none: 'The app had no grants: nothing to revoke.',
};

/**
 * Grants at /admin/grants: what `grants:list` and `grants:revoke` do, filterable per app and per
 * admin; revoking one grant, or every grant of an app, asks for a fresh code (step-up).
 */
export function grantsPage(deps: GrantsPageDeps): ConsolePage {
  const { grants, clients, admins } = deps;
  return (guard, render) => {
    const router = new Router();
    const { signedIn, sessionCsrf, ownerOnly, stepUp } = guard;
    const back = (clientId?: string) =>
      clientId ? `/admin/grants?client=${encodeURIComponent(clientId)}` : '/admin/grants';
    const findGrant = async (grantId: string | undefined) =>
      grantId ? ((await grants.list()).find((g) => g.grantId === grantId) ?? null) : null;
    const clientName = async (clientId: string) => (await clients.get(clientId))?.name ?? clientId;

    router.get('/admin/grants', signedIn, async (ctx) => {
      const q = ctx.query as Record<string, string | undefined>;
      const client = typeof q.client === 'string' ? q.client.trim() : '';
      const admin = typeof q.admin === 'string' ? q.admin.trim() : '';
      const errors: Record<string, string> = {};
      const allClients = await clients.list();
      const allAdmins = await admins.list();
      if (client && !allClients.some((c) => c.clientId === client))
        errors.client = 'No app has this id: pick one from the list.';
      const account = admin ? allAdmins.find((a) => a.username.toLowerCase() === admin.toLowerCase()) : undefined;
      if (admin && !account) errors.admin = 'No admin has this username: pick one from the list.';
      const list = Object.keys(errors).length
        ? []
        : await grants.list({ clientId: client || undefined, accountId: account?.id });
      const model = presentGrants({ list, clients: allClients, admins: allAdmins, now: deps.clock.now() });
      return render(
        ctx,
        'admin-grants',
        {
          title: 'Grants',
          ...model,
          filter: { client, admin },
          errors,
          notice: DONE[String(q.done)] ?? null,
          csrfToken: ctx.state.console!.session.csrfToken,
        },
        Object.keys(errors).length ? 400 : 200,
      );
    });

    const notFound = (ctx: Context, text: string) =>
      render(ctx, 'admin-message', { title: 'Not found', text, back: '/admin/grants' }, 404);

    router.post(
      '/admin/grants/revoke',
      formBody(),
      signedIn,
      sessionCsrf,
      ownerOnly,
      stepUp(async (ctx) => {
        const g = await findGrant(ctx.request.form?.grant_id);
        if (!g) return null;
        const who = g.adminUsername ?? 'a deleted admin';
        return {
          title: `Revoke the grant of “${await clientName(g.clientId)}”?`,
          text:
            `The approval ${who} gave on ${g.createdAt.toISOString().slice(0, 10)} ends, with its ` +
            `${g.liveTokens} live token(s): the app must be authorized again.`,
          confirmLabel: 'Revoke the grant',
          back: back(g.clientId),
        };
      }),
      async (ctx) => {
        const g = await findGrant(ctx.request.form?.grant_id);
        if (!g) return notFound(ctx, 'That grant no longer exists (it was revoked or expired).');
        await grants.revoke(g.grantId, ctx.state.console!.username, 'console');
        ctx.status = 303;
        // Back to the app's list when revoked from it (the id is a registered client's, not free text).
        const keep = ctx.request.form?.client === g.clientId;
        ctx.redirect(keep ? `${back(g.clientId)}&done=revoked` : '/admin/grants?done=revoked');
      },
    );

    router.post(
      '/admin/grants/revoke-app',
      formBody(),
      signedIn,
      sessionCsrf,
      ownerOnly,
      stepUp(async (ctx) => {
        const c = await clients.get(ctx.request.form?.client_id ?? '');
        if (!c) return null;
        const active = await grants.list({ clientId: c.clientId });
        return {
          title: `Revoke every grant of “${c.name}”?`,
          text:
            `${active.length} active grant(s) and every token issued from them end now; the app must be ` +
            'authorized again. The app itself stays registered (disable it on the Apps page to stop it for good).',
          confirmLabel: 'Revoke all grants of the app',
          back: back(c.clientId),
        };
      }),
      async (ctx) => {
        const c = await clients.get(ctx.request.form?.client_id ?? '');
        if (!c) return notFound(ctx, 'No app has this id.');
        const revoked = await grants.revokeForClient(c.clientId, ctx.state.console!.username, 'console');
        ctx.status = 303;
        ctx.redirect(`${back(c.clientId)}&done=${revoked.length ? 'revoked_app' : 'none'}`);
      },
    );
    return router;
  };
}
