import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/create-db.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { AdminAuth } from '../../admins/admin-auth.js';
import { createInteractionStateStore, type InteractionState } from '../kit/interaction-state.js';
import { createViewRenderer } from '../kit/view-renderer.js';
import { CODE_ERROR, SIGN_IN_ERROR } from '../kit/present-sign-in.js';
import { csrfTokenMatches } from '../../security/csrf.js';
import { formBody } from '../../security/form-body.js';
import type { RateLimiter } from '../../rate-limits/rate-limiter.js';
import { accountThrottle, formThrottle } from '../../rate-limits/form-throttle.js';
import { securityHeaders } from '../../security/security-headers.js';
import type { LinkStore, LinkView } from '../../magento-link/link-store.js';
import {
  IDENTITY_PATH,
  identityPageUrl,
  presentIdentityConfirm,
  presentIdentityDone,
  presentIdentityLogin,
  presentIdentityMessage,
  type IdentityRequest,
} from './present-identity-link.js';
import { safeSuccessCallback } from '../../magento-link/success-callback.js';
import { signInOrigin } from '../kit/sign-in-origin.js';
import type { PasskeyService } from '../../admins/passkey-service.js';
import { PASSKEY_ERROR, PASSKEY_REQUIRED_ERROR, PASSKEY_SCRIPTS, passkeyForm } from '../kit/present-sign-in.js';

export interface IdentityLinkDeps {
  db: Db;
  box: SecretBox;
  clock: Clock;
  config: Config;
  audit: AuditLog;
  links: LinkStore;
  auth: AdminAuth;
  limiter: RateLimiter;
  /** Passkeys as the confirmation's second factor (and ADMIN_SECOND_FACTOR); absent, codes only. */
  passkeys?: PasskeyService;
  /** The app's display name (client registry), injected to keep magento/ off clients/. */
  clientName(clientId: string): Promise<string | null>;
  viewsDir?: string;
}

interface IdentityState {
  request: IdentityRequest;
  clientId: string;
  clientName: string;
  link: LinkView;
  redirectUrl: string | null;
  flow?: InteractionState;
}

declare module 'koa' {
  interface DefaultState {
    identity: IdentityState;
  }
}

const COOKIE = 'magento_identity';
const CONSUMER_KEY = /^[0-9a-z]{32}$/;

/**
 * Magento's Identity Link popup: an admin signs in with the same accounts, password check, TOTP
 * and lockout as the consent pages, then confirms which app the integration backs. Only then may
 * the link be used (see LinkStore.confirm). State lives in interaction_states, keyed by a random
 * id in a signed cookie; every form carries its CSRF token.
 */
export function identityLinkRoutes(deps: IdentityLinkDeps): Router {
  const { config, clock, links, audit } = deps;
  const render = createViewRenderer({ viewsDir: deps.viewsDir, cache: config.production, brandName: config.brandName });
  const states = createInteractionStateStore({ db: deps.db, clock, box: deps.box, ttlSeconds: 15 * 60 });
  const { auth, limiter, passkeys } = deps;
  const headers = securityHeaders({ production: config.production });
  const flowPrefix = (clientId: string) => `magento-identity:${clientId}:`;
  const cookieOptions = (ctx: Context) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    signed: true,
    secure: config.production || ctx.secure,
    path: IDENTITY_PATH,
    overwrite: true,
  });

  // Shared with the consent pages' form POSTs (same key, same budget).
  const throttleDeps = {
    limiter,
    audit,
    route: () => `${IDENTITY_PATH}/:token`,
    refuse: (ctx: Context, retryAfter: number) =>
      render(ctx, 'identity-link-message', presentIdentityMessage('rate_limited', { retryAfter }), 429),
    failOpen: config.securityOps.rateLimits.failOpen.signIn,
  };
  const throttle = formThrottle({ ...throttleDeps, limit: config.loginRateLimit });
  // The same per-account budget as the consent pages' sign-in.
  const perAccount = accountThrottle({
    ...throttleDeps,
    limit: config.securityOps.rateLimits.signInPerAccount,
    account: async (ctx) => {
      const f = ctx.state.identity?.flow as InteractionState | undefined;
      const typed = ctx.request.form?.username as string | undefined;
      return typed || (f?.adminId ? ((await auth.findById(f.adminId))?.username ?? null) : null);
    },
  });

  /** The link behind the URL, and Magento's consumer key must be that link's current consumer. */
  const resolve = async (ctx: Context, next: Next) => {
    ctx.set('Cache-Control', 'no-store');
    const endpointToken = ctx.params.endpointToken!;
    const clientId = await links.clientIdForEndpoint(endpointToken);
    if (!clientId) return render(ctx, 'identity-link-message', presentIdentityMessage('unknown_link'), 404);
    const source: Record<string, unknown> = ctx.method === 'GET' ? ctx.query : (ctx.request.form ?? {});
    const consumerKey = typeof source.oauth_consumer_key === 'string' ? source.oauth_consumer_key : '';
    const successCallBack = typeof source.success_call_back === 'string' ? source.success_call_back : '';
    const owner = CONSUMER_KEY.test(consumerKey) ? await links.clientIdForConsumerKey(consumerKey) : null;
    const link = owner === clientId ? await links.get(clientId) : null;
    if (!link) {
      await audit.record({
        type: 'magento.identity_link_refused',
        outcome: 'denied',
        clientId,
        ip: ctx.ip,
        requestId: ctx.state.requestId,
        details: { reason: consumerKey ? 'consumer_mismatch' : 'consumer_missing' },
      });
      return render(ctx, 'identity-link-message', presentIdentityMessage('consumer_mismatch'), 400);
    }
    ctx.state.identity = {
      request: { endpointToken, consumerKey, successCallBack },
      clientId,
      clientName: (await deps.clientName(clientId)) ?? clientId,
      link,
      redirectUrl: safeSuccessCallback(successCallBack, config.magentoBaseUrl),
    };
    await next();
  };

  const loadFlow = async (ctx: Context): Promise<InteractionState | null> => {
    const uid = ctx.cookies.get(COOKIE, { signed: true });
    if (!uid?.startsWith(flowPrefix(ctx.state.identity.clientId))) return null;
    return states.load(uid);
  };

  /** POSTs need this browser's flow and its CSRF token. */
  const flow = async (ctx: Context, next: Next) => {
    const found = await loadFlow(ctx);
    if (!found) return render(ctx, 'identity-link-message', presentIdentityMessage('expired'), 410);
    if (!csrfTokenMatches(found.csrfToken, ctx.request.form?._csrf)) {
      await audit.record({
        type: 'security.csrf_failed',
        outcome: 'denied',
        clientId: ctx.state.identity.clientId,
        ip: ctx.ip,
        requestId: ctx.state.requestId,
      });
      return render(ctx, 'identity-link-message', presentIdentityMessage('csrf'), 403);
    }
    ctx.state.identity.flow = found;
    await next();
  };

  const base = (ctx: Context, f: InteractionState) => {
    const id = ctx.state.identity;
    return {
      request: id.request,
      csrfToken: f.csrfToken,
      clientName: id.clientName,
      clientId: id.clientId,
      storeBaseUrl: id.link.storeBaseUrl,
    };
  };
  const showLogin = (ctx: Context, f: InteractionState, error: string | null = null, username = '', status = 200) =>
    render(ctx, 'identity-link-login', presentIdentityLogin({ ...base(ctx, f), error, username }), status);
  /** The confirmation's passkey challenge is bound to this flow: single-use, nothing else answers it. */
  const passkeyBinding = (f: InteractionState) => `identity-link:${f.uid}`;
  const showConfirm = async (
    ctx: Context,
    f: InteractionState,
    admin: { id: string; username: string },
    error: string | null = null,
    status = 200,
  ) => {
    const model = presentIdentityConfirm({
      ...base(ctx, f),
      username: admin.username,
      error,
      link: ctx.state.identity.link,
    });
    const codeAllowed = passkeys ? await passkeys.codeAllowed(admin.id) : true;
    const options = passkeys ? await passkeys.assertionOptions(admin.id, passkeyBinding(f), 'step_up') : null;
    const passkey = options
      ? passkeyForm({
          action: `${model.action as string}`,
          options,
          lead: codeAllowed ? 'Or confirm with a passkey.' : 'Confirm with one of your passkeys.',
          button: 'Confirm with a passkey',
          fallback: codeAllowed ? 'Use the authentication code above instead.' : null,
          hidden: Object.entries(model.hidden as Record<string, string>)
            .filter(([name]) => name !== '_csrf')
            .map(([name, value]) => ({ name, value })),
        })
      : null;
    return render(
      ctx,
      'identity-link-confirm',
      { ...model, codeAllowed, passkey, csrfToken: f.csrfToken, ...(passkey ? { scripts: PASSKEY_SCRIPTS } : {}) },
      status,
    );
  };
  const endFlow = async (ctx: Context, f: InteractionState) => {
    await states.remove(f.uid);
    ctx.cookies.set(COOKIE, null, cookieOptions(ctx));
  };

  const router = new Router();
  const post = [headers, throttle, formBody(), resolve, flow, perAccount] as const;

  router.get(`${IDENTITY_PATH}/:endpointToken`, headers, resolve, async (ctx) => {
    let f = await loadFlow(ctx);
    if (!f) {
      f = await states.loadOrCreate(
        `${flowPrefix(ctx.state.identity.clientId)}${randomBytes(24).toString('base64url')}`,
      );
      ctx.cookies.set(COOKIE, f.uid, { ...cookieOptions(ctx), maxAge: 15 * 60 * 1000 });
    }
    const admin = f.stage === 'password_ok' && f.adminId ? await auth.findById(f.adminId) : null;
    if (admin) return showConfirm(ctx, f, admin);
    return showLogin(ctx, f);
  });

  router.post(`${IDENTITY_PATH}/:endpointToken/login`, ...post, async (ctx) => {
    const f = ctx.state.identity.flow!;
    const username = String(ctx.request.form?.username ?? '').slice(0, 200);
    const result = await auth.verifyPassword(username, String(ctx.request.form?.password ?? ''), signInOrigin(ctx));
    if (!result.ok) return showLogin(ctx, f, SIGN_IN_ERROR, username, 401);
    if (!result.admin.totpSecret) return render(ctx, 'identity-link-message', presentIdentityMessage('no_totp'), 403);
    await states.update(f.uid, { adminId: result.admin.id, stage: 'password_ok' });
    ctx.status = 303;
    ctx.redirect(identityPageUrl(ctx.state.identity.request));
  });

  router.post(`${IDENTITY_PATH}/:endpointToken/confirm`, ...post, async (ctx) => {
    const id = ctx.state.identity;
    const f = id.flow!;
    const admin = f.stage === 'password_ok' && f.adminId ? await auth.findById(f.adminId) : null;
    if (!admin) return showLogin(ctx, f, null, '', 400);
    let secondFactor: string;
    const response = ctx.request.form?.passkey_response;
    if (response && passkeys) {
      // A fresh passkey assertion (user verification) for this decision, its challenge bound to this flow.
      const r = await passkeys.verifyStepUp({
        adminId: admin.id,
        binding: passkeyBinding(f),
        response,
        from: signInOrigin(ctx),
      });
      if (!r.ok) {
        if (r.reason === 'invalid') return showConfirm(ctx, f, admin, PASSKEY_ERROR, 401);
        await states.update(f.uid, { adminId: null, stage: 'start' });
        return showLogin(ctx, f, SIGN_IN_ERROR, admin.username, 401);
      }
      secondFactor = 'passkey';
    } else {
      if (passkeys && !(await passkeys.codeAllowed(admin.id))) {
        await passkeys.codeRefused(admin, signInOrigin(ctx), 'identity_link');
        return showConfirm(ctx, f, admin, PASSKEY_REQUIRED_ERROR, 401);
      }
      // A fresh code for this decision; the TOTP service refuses a step it already accepted.
      const code = await auth.verifyCode(admin.id, String(ctx.request.form?.code ?? ''), signInOrigin(ctx));
      if (!code.ok) {
        if (code.reason === 'invalid') return showConfirm(ctx, f, admin, CODE_ERROR, 401);
        await states.update(f.uid, { adminId: null, stage: 'start' });
        return showLogin(ctx, f, SIGN_IN_ERROR, admin.username, 401);
      }
      secondFactor = code.method;
    }
    const link = await links.confirm(id.clientId, id.request.consumerKey, admin.username);
    if (!link) return render(ctx, 'identity-link-message', presentIdentityMessage('consumer_mismatch'), 409);
    await endFlow(ctx, f);
    await audit.record({
      type: 'magento.link_confirmed',
      outcome: 'success',
      actor: admin.username,
      clientId: id.clientId,
      ip: ctx.ip,
      requestId: ctx.state.requestId,
      details: {
        status: link.status,
        secondFactor,
        redirect: id.redirectUrl ? 'success_call_back' : id.request.successCallBack ? 'refused' : 'none',
      },
    });
    return render(
      ctx,
      'identity-link-done',
      presentIdentityDone({ clientName: id.clientName, link, redirectUrl: id.redirectUrl }),
    );
  });

  router.post(`${IDENTITY_PATH}/:endpointToken/cancel`, ...post, async (ctx) => {
    await endFlow(ctx, ctx.state.identity.flow!);
    return render(ctx, 'identity-link-message', presentIdentityMessage('cancelled'));
  });

  return router;
}
