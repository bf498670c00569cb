import Router from '@koa/router';
import type { Context } from 'koa';
import type { ClientRecord } from '../../../clients/client-record.js';
import type { ClientInput } from '../../../clients/validate-client-input.js';
import { isAppError } from '../../../errors/app-error.js';
import { formBody } from '../../../security/form-body.js';
import type { RenderPage } from '../../kit/view-renderer.js';
import type { ConsolePage } from '../console-deps.js';
import type { ConsoleGuard } from '../console-guard.js';
import { appActivity, lastUses } from './app-activity.js';
import {
  LIFETIME_FIELDS,
  emptyFormValues,
  fieldOfProblem,
  formValuesOf,
  grantField,
  parseAppForm,
  scopeField,
  sentence,
  type AppFormValues,
  type FieldErrors,
} from './app-form.js';
import { searchClients } from './app-search.js';
import { appActionRoutes } from './app-action-routes.js';
import type { AppsPageDeps } from './apps-page-deps.js';
import {
  DONE,
  presentActivity,
  presentAppRow,
  presentAppSummary,
  scopeChoices,
  secretStatus,
  when,
} from './present-apps.js';

const GRANT_LABELS: Record<string, string> = {
  authorization_code: 'Authorization code (an admin approves the app in the browser)',
  refresh_token: 'Refresh token (stays connected; needs authorization code)',
  client_credentials: 'Client credentials (server to server, no admin approval; confidential only)',
};
// The create/edit form: redirect URIs, JWKS and IP lists can be long.
const FORM_LIMIT = 64 * 1024;

/**
 * Apps (OAuth clients) in the console: everything `clients:*` does. Reads for every role; writes
 * for owners, CSRF-checked; disable, rotate-secret and delete after a fresh code (step-up).
 * A new secret is shown once, in the answer to the POST that made it (200, never in a URL).
 */
export type { AppsPageDeps };

export function appsPage(deps: AppsPageDeps): ConsolePage {
  const { clients, clock } = deps;
  const maxAgeDays = deps.config.securityOps.clientSecretMaxAgeDays;
  const scopes = scopeChoices(deps.catalog).map((s) => ({ ...s, field: scopeField(s.name) }));
  const scopeNames = scopes.map((s) => s.name);
  const grantTypes = Object.entries(GRANT_LABELS).map(([name, label]) => ({ name, label, field: grantField(name) }));
  const lifetimes = LIFETIME_FIELDS.map(([key, field, label]) => ({ key, field, label }));

  return (guard: ConsoleGuard, render: RenderPage) => {
    const router = new Router();
    const actor = (ctx: Context) => ctx.state.console!.username;
    const csrfToken = (ctx: Context) => ctx.state.console!.session.csrfToken;
    const notFound = (ctx: Context) =>
      render(
        ctx,
        'admin-message',
        {
          title: 'No such app',
          text: 'There is no app with this client id (it may have been deleted).',
          back: '/admin/apps',
        },
        404,
      );
    const target = (ctx: Context) => clients.get(String(ctx.params.clientId));
    const formModel = (ctx: Context, values: AppFormValues, errors: FieldErrors) => ({
      values,
      errors,
      scopes,
      grantTypes,
      lifetimes,
      csrfToken: csrfToken(ctx),
    });

    async function showPage(ctx: Context, c: ClientRecord, edit?: { values: AppFormValues; errors: FieldErrors }) {
      const activity = presentActivity(await appActivity(deps.db, c.clientId, clock.now()));
      const notice = DONE[String(ctx.query.done ?? '')] ?? null;
      return render(
        ctx,
        'admin-apps-show',
        {
          title: c.name,
          app: {
            clientId: c.clientId,
            name: c.name,
            enabled: c.enabled,
            hasSecret: c.authMethod === 'client_secret_basic',
            secret: secretStatus(c, clock.now(), maxAgeDays),
            previousSecretUntil:
              c.previousSecretExpiresAt && c.previousSecretExpiresAt.getTime() > clock.now()
                ? when(c.previousSecretExpiresAt)
                : null,
            action: `/admin/apps/${encodeURIComponent(c.clientId)}`,
          },
          summary: presentAppSummary(c),
          activity,
          notice: edit ? null : notice,
          ...formModel(ctx, edit?.values ?? formValuesOf(c), edit?.errors ?? {}),
        },
        edit ? 400 : 200,
      );
    }

    /** Runs a registry write; a validation problem becomes an error next to its field. */
    async function attempt<T>(run: () => Promise<T>, errors: FieldErrors): Promise<T | null> {
      if (Object.keys(errors).length) return null;
      try {
        return await run();
      } catch (err) {
        if (!isAppError(err) || err.code !== 'client.invalid') throw err;
        errors[fieldOfProblem(err.message)] = sentence(err.message);
        return null;
      }
    }

    router.get('/admin/apps', guard.signedIn, async (ctx) => {
      const q = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 200) : '';
      const found = await searchClients(deps.db, q);
      const used = await lastUses(
        deps.db,
        found.map((c) => c.clientId),
      );
      return render(ctx, 'admin-apps-list', {
        title: 'Apps',
        q,
        apps: found.map((c) => presentAppRow(c, used.get(c.clientId) ?? null, clock.now(), maxAgeDays)),
        maxAgeDays,
        notice: DONE[String(ctx.query.done ?? '')] ?? null,
      });
    });

    router.get('/admin/apps/new', guard.signedIn, guard.ownerOnly, async (ctx) =>
      render(ctx, 'admin-apps-new', { title: 'New app', ...formModel(ctx, emptyFormValues(), {}) }),
    );

    router.post(
      '/admin/apps',
      formBody({ limitBytes: FORM_LIMIT }),
      guard.signedIn,
      guard.sessionCsrf,
      guard.ownerOnly,
      async (ctx) => {
        const { input, values, errors } = parseAppForm(ctx.request.form!, scopeNames);
        const created = await attempt(() => clients.create(input, actor(ctx)), errors);
        if (!created)
          return render(ctx, 'admin-apps-new', { title: 'New app', ...formModel(ctx, values, errors) }, 400);
        const { client, clientSecret } = created;
        // The one page that shows the secret: the answer to this POST, not a page one can come back to.
        return render(ctx, 'admin-apps-secret', {
          title: 'App created',
          heading: `“${client.name}” is registered`,
          clientId: client.clientId,
          clientSecret,
          previousSecretUntil: null,
          href: `/admin/apps/${encodeURIComponent(client.clientId)}`,
        });
      },
    );

    router.get('/admin/apps/:clientId', guard.signedIn, async (ctx) => {
      const c = await target(ctx);
      return c ? showPage(ctx, c) : notFound(ctx);
    });

    router.post(
      '/admin/apps/:clientId',
      formBody({ limitBytes: FORM_LIMIT }),
      guard.signedIn,
      guard.sessionCsrf,
      guard.ownerOnly,
      // A new way to authenticate the app (a key set of someone's choosing) is as strong as a new
      // secret: the same fresh proof as rotating one. Other edits need none.
      guard.stepUp(async (ctx) => {
        const c = await target(ctx);
        const f = ctx.request.form!;
        if (!c || f.auth_method !== 'private_key_jwt') return null;
        const sameKeys =
          c.authMethod === 'private_key_jwt' &&
          (f.jwks_uri ?? '').trim() === (c.jwksUri ?? '') &&
          normalizeJson(f.jwks) === normalizeJson(c.jwks ? JSON.stringify(c.jwks) : '');
        if (sameKeys) return null;
        return {
          title: `Change how “${c.name}” authenticates?`,
          text: 'Whoever holds the private keys of this key set (or JWKS URL) can get tokens as this app.',
          confirmLabel: 'Save the new keys',
          back: `/admin/apps/${encodeURIComponent(c.clientId)}`,
        };
      }),
      async (ctx) => {
        const c = await target(ctx);
        if (!c) return notFound(ctx);
        const { input, values, errors } = parseAppForm(ctx.request.form!, scopeNames);
        // Scopes outside today's catalog stay as they are (the form cannot show them).
        const kept = c.scopes.filter((s) => !scopeNames.includes(s));
        const patch: ClientInput = { ...input, scopes: [...(input.scopes ?? []), ...kept] };
        const updated = await attempt(() => clients.update(c.clientId, patch, actor(ctx)), errors);
        if (!updated) return showPage(ctx, c, { values, errors });
        // Now confidential with a secret, but none was ever issued (it was public or used private_key_jwt).
        const needsSecret = updated.authMethod === 'client_secret_basic' && c.authMethod !== 'client_secret_basic';
        ctx.status = 303;
        ctx.redirect(`/admin/apps/${encodeURIComponent(c.clientId)}?done=${needsSecret ? 'needs_secret' : 'updated'}`);
      },
    );

    appActionRoutes(router, { deps, guard, render, target, notFound, actor });
    return router;
  };
}

/** The same key set whatever its whitespace or member order (PostgreSQL's jsonb reorders); non-JSON as itself. */
function normalizeJson(text: string | undefined): string {
  const t = (text ?? '').trim();
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  try {
    return t ? JSON.stringify(canonical(JSON.parse(t))) : '';
  } catch {
    return t;
  }
}
