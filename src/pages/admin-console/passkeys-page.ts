import Router from '@koa/router';
import type { Context } from 'koa';
import type { PasskeyService } from '../../admins/passkey-service.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Config } from '../../config/config.js';
import type { RateLimiter } from '../../rate-limits/rate-limiter.js';
import { formThrottle } from '../../rate-limits/form-throttle.js';
import { formBody } from '../../security/form-body.js';
import { PASSKEY_ENROL_ERROR, PASSKEY_SCRIPTS } from '../kit/present-sign-in.js';
import { signInOrigin } from '../kit/sign-in-origin.js';
import type { RenderPage } from '../kit/view-renderer.js';
import type { ConsoleGuard } from './console-guard.js';
import { consoleBinding } from './console-binding.js';

const POLICY_TEXT: Record<PasskeyService['policy'], string> = {
  either: 'You can confirm sign-ins and app approvals with a passkey or an authentication code.',
  passkey: 'This store requires passkeys: authentication codes are accepted only to add a first passkey.',
  totp: 'This store accepts authentication codes only (ADMIN_SECOND_FACTOR=totp): passkeys are not used for now.',
};

/**
 * /admin/passkeys: the signed-in admin's passkeys: list, add (named), rename, remove. Every change
 * is audited; the registration challenge is bound to this console session and used once.
 */
export function passkeysPage(deps: {
  config: Config;
  passkeys: PasskeyService;
  limiter: RateLimiter;
  audit: AuditLog;
}): (guard: ConsoleGuard, render: RenderPage) => Router {
  const { passkeys, config } = deps;
  return (guard, render) => {
    const { signedIn, sessionCsrf } = guard;
    const throttle = formThrottle({
      limiter: deps.limiter,
      audit: deps.audit,
      route: () => '/admin/passkeys',
      refuse: (ctx: Context, retryAfter: number) =>
        render(ctx, 'admin-message', { title: 'Too many attempts', text: `Try again in ${retryAfter} seconds.` }, 429),
      failOpen: config.securityOps.rateLimits.failOpen.signIn,
      limit: config.loginRateLimit,
    });
    const binding = (ctx: Context) => consoleBinding(ctx.state.console!.token, 'console-register');

    /**
     * `verifiedBy`: the fresh proof just given at the step-up. Only then does the page carry
     * registration options — a session alone (a stolen cookie) cannot tie a new passkey to the account.
     */
    async function show(
      ctx: Context,
      notice: string | null = null,
      error: string | null = null,
      status = 200,
      verifiedBy: 'totp' | 'recovery' | 'passkey' | null = null,
    ) {
      const c = ctx.state.console!;
      const list = await passkeys.list(c.adminId);
      const options = verifiedBy
        ? await passkeys.registrationOptions({ id: c.adminId, username: c.username }, binding(ctx), verifiedBy)
        : null;
      return render(
        ctx,
        'passkey-list',
        {
          title: 'Passkeys',
          username: c.username,
          csrfToken: c.session.csrfToken,
          policyText: POLICY_TEXT[passkeys.policy],
          passkeys: list.map((p) => ({
            id: p.id,
            name: p.name,
            createdAt: p.createdAt.toISOString().slice(0, 16).replace('T', ' '),
            lastUsedAt: p.lastUsedAt ? p.lastUsedAt.toISOString().slice(0, 16).replace('T', ' ') : null,
            transports: p.transports.join(', '),
            backedUp: p.backedUp,
          })),
          options: options ? JSON.stringify(options) : null,
          notice,
          error,
          scripts: PASSKEY_SCRIPTS,
        },
        status,
      );
    }

    const router = new Router();
    router.get('/admin/passkeys', signedIn, (ctx) => show(ctx));
    const confirmAdd = guard.stepUp(() => ({
      title: 'Add a passkey',
      text: 'Confirm it is you before a new passkey is tied to your account: it will sign you in and approve apps.',
      confirmLabel: 'Continue',
      back: '/admin/passkeys',
    }));
    router.post('/admin/passkeys/start', formBody(), signedIn, sessionCsrf, confirmAdd, (ctx) =>
      show(ctx, null, null, 200, (ctx.state.stepUp as { method: 'totp' | 'recovery' | 'passkey' }).method),
    );
    router.post('/admin/passkeys', throttle, formBody(), signedIn, sessionCsrf, async (ctx) => {
      const c = ctx.state.console!;
      // Only a registration opened by a fresh proof (POST /admin/passkeys/start) may finish.
      const pending = await passkeys.pendingRegistration(binding(ctx));
      if (!pending?.verifiedBy || pending.adminId !== c.adminId) return show(ctx, null, PASSKEY_ENROL_ERROR, 403);
      const result = await passkeys.finishRegistration({
        adminId: c.adminId,
        binding: binding(ctx),
        response: ctx.request.form?.passkey_response,
        name: ctx.request.form?.name,
        from: signInOrigin(ctx),
      });
      if (!result.ok) return show(ctx, null, PASSKEY_ENROL_ERROR, 400);
      return show(ctx, `Passkey “${result.passkey.name}” added.`);
    });
    router.post('/admin/passkeys/:id/rename', formBody(), signedIn, sessionCsrf, async (ctx) => {
      const c = ctx.state.console!;
      const ok = await passkeys.rename(
        c.adminId,
        ctx.params.id!,
        ctx.request.form?.name,
        c.username,
        signInOrigin(ctx),
      );
      return ok
        ? show(ctx, 'Passkey renamed.')
        : show(ctx, null, 'Give the passkey a name (up to 64 characters).', 400);
    });
    // Removing a passkey is destructive (it may be the admin's only phishing-resistant factor): a fresh proof first.
    const confirmRemoval = guard.stepUp(async (ctx) => {
      const c = ctx.state.console!;
      const target = (await passkeys.list(c.adminId)).find((p) => p.id === ctx.params.id);
      if (!target) return null;
      return {
        title: `Remove the passkey “${target.name}”?`,
        text: 'It will no longer sign you in or approve apps. Other passkeys and your authenticator app keep working.',
        confirmLabel: 'Remove the passkey',
        back: '/admin/passkeys',
      };
    });
    router.post('/admin/passkeys/:id/remove', formBody(), signedIn, sessionCsrf, confirmRemoval, async (ctx) => {
      const c = ctx.state.console!;
      const removed = await passkeys.remove(c.adminId, ctx.params.id!, c.username, signInOrigin(ctx));
      if (!removed) return show(ctx, null, 'That passkey does not exist (any more).', 404);
      return show(ctx, `Passkey “${removed.name}” removed: it no longer signs you in.`);
    });
    return router;
  };
}
